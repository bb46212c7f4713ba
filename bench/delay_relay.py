# bench/delay_relay.py: a TCP relay on 127.0.0.1 that holds every chunk for a
# fixed one-way delay in each direction, so a loopback lab shows a WAN-like
# round trip (the kernel here has no netem).
# usage: delay_relay.py LISTEN_PORT TARGET_PORT ONE_WAY_MS
import asyncio, sys, time
lport, tport, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000
async def pump(reader, writer):
    q = asyncio.Queue()
    async def sender():
        while True:
            due, data = await q.get()
            if data is None:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()
    task = asyncio.create_task(sender())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            q.put_nowait((time.monotonic() + delay, data))
    except ConnectionError:
        pass
    q.put_nowait((0, None))
    try:
        await task
    except ConnectionError:
        pass
async def handle(cr, cw):
    try:
        sr, sw = await asyncio.open_connection("127.0.0.1", tport)
    except OSError:
        cw.close()
        return
    await asyncio.gather(pump(cr, sw), pump(sr, cw), return_exceptions=True)
async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", lport, backlog=512)
    print("ready", flush=True)
    async with srv:
        await srv.serve_forever()
asyncio.run(main())
