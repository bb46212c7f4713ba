/*
 * pcap_floor: the floor for stormwatch's benchmark — a bare libpcap read
 * loop (nanosecond stamps, as stormwatch opens files) that touches one
 * byte per frame and counts. Built by bench/stormwatch.sh; not installed.
 */
#include <pcap/pcap.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long long n = 0, x = 0;
	pcap_t *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_floor FILE\n");
		return 2;
	}
	p = pcap_open_offline_with_tstamp_precision(
	    argv[1], PCAP_TSTAMP_PRECISION_NANO, eb);
	if (p == NULL) {
		fprintf(stderr, "pcap_floor: %s\n", eb);
		return 2;
	}
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		n++;
		x += h->caplen ? d[0] : 0;
	}
	pcap_close(p);
	printf("%llu frames (%llu)\n", n, x);
	return rc == PCAP_ERROR_BREAK ? 0 : 1;
}
