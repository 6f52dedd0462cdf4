# compare: prefix
# timeout: 24
import queue, threading, time

#SCENE
