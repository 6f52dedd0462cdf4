# Many small events for `cargo bench --bench trace`: N printed lines and N
# time.sleep(0) calls (each a sleep and a wake): 3 × N events in all.
import sys
import time

n = int(sys.argv[1])
for i in range(n):
    print(i)
for _ in range(n):
    time.sleep(0)
