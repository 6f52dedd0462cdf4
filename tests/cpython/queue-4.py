import queue, time
from multiprocessing import Process, Queue

#SCENE
