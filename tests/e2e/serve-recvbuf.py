# SPDX-License-Identifier: GPL-2.0
# Clients for serve-recvbuf.t: CONNS connections at once, each sending
# ROUNDS pipelined requests (a /v1/infer and a GET /healthz) in small chunks
# with pauses, then reading every answer. Prints one line per failure and
# "answered N" with the count of correct answers.
import json, random, socket, sys, threading, time

port, body_file, want_class, conns, rounds = (int(sys.argv[1]), sys.argv[2], sys.argv[3],
                                              int(sys.argv[4]), int(sys.argv[5]))
body = open(body_file, 'rb').read().strip()
infer = (b'POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
         b'Content-Length: %d\r\n\r\n' % len(body)) + body
health = b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
lock = threading.Lock()
answered = 0
failures = []


def read_answer(f):
    status = f.readline()
    length = 0
    while True:
        line = f.readline()
        if not line or line == b'\r\n':
            break
        k, _, v = line.partition(b':')
        if k.lower() == b'content-length':
            length = int(v)
    return status, f.read(length)


def client(i):
    global answered
    rnd = random.Random(i)
    try:
        s = socket.create_connection(('127.0.0.1', port), timeout=30)
        data = (infer + health) * rounds
        off = 0
        while off < len(data):
            n = rnd.randint(1, 700)
            s.sendall(data[off:off + n])
            off += n
            time.sleep(rnd.random() * 0.002)
        f = s.makefile('rb')
        good = 0
        for r in range(rounds):
            st, b = read_answer(f)
            cls = json.loads(b).get('class') if st.startswith(b'HTTP/1.1 200') else None
            if str(cls) != want_class or not json.loads(b)['og']['id']:
                raise Exception('infer %d: %r %r' % (r, st, b[:200]))
            st, b = read_answer(f)
            if not st.startswith(b'HTTP/1.1 200') or b != b'{"status":"ok"}\n':
                raise Exception('healthz %d: %r %r' % (r, st, b[:200]))
            good += 2
        s.close()
        with lock:
            answered += good
    except Exception as e:
        with lock:
            failures.append('connection %d: %s' % (i, e))


threads = [threading.Thread(target=client, args=(i,)) for i in range(conns)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for f in failures:
    print(f)
print('answered', answered)
