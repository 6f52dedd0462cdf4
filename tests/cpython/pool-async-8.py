# compare: pool
# takes: pool-async-1 run_sleep, pool-async-5 square_after
import os, time
from concurrent.futures import ThreadPoolExecutor

#TAKES
inputs = [(1, 0.2), (2, 1.0), (3, 0.4), (4, 0.6)]
#SCENE
