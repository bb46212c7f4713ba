/*
 * A plain main() for fuzz targets: feeds each file named on the command
 * line (or each file in a named directory) to LLVMFuzzerTestOneInput once.
 * `make check` links every target with it and runs it under ASan/UBSan over
 * the seed corpus, so a crash found once stays fixed.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_BYTES (16u << 20)

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n;
	int rc = -1;

	if (f == NULL) {
		fprintf(stderr, "replay %s: cannot open\n", path);
		return -1;
	}
	buf = malloc(REPLAY_MAX_BYTES);
	if (buf == NULL)
		goto out;
	n = fread(buf, 1, REPLAY_MAX_BYTES, f);
	(void)LLVMFuzzerTestOneInput(buf, n);
	rc = 0;
out:
	free(buf);
	(void)fclose(f);
	return rc;
}

int
main(int argc, char **argv)
{
	int n_files = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay %s: no such file\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) != 0)
				return 1;
			n_files++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (d == NULL)
			return 1;
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			char path[4096];
			if (de->d_name[0] == '.')
				continue;
			(void)snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name);
			if (replay_file(path) != 0) {
				(void)closedir(d);
				return 1;
			}
			n_files++;
		}
		(void)closedir(d);
	}
	printf("replayed %d inputs\n", n_files);
	return 0;
}
