# compare: pool
import queue, threading, time

#SCENE
