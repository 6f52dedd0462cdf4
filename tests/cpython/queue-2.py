import queue, threading, time
from multiprocessing import Process, Queue

#SCENE
