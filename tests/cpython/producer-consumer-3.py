# lanes: Thread-1 (consumer)=consumer
import queue, threading, time

buffer = queue.Queue(maxsize=10)
#SCENE
