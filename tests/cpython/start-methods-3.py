# compare: prefix
# timeout: 8
import time, threading
import multiprocessing as mp

#SCENE
