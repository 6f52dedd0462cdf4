import queue
from multiprocessing import Queue

#SCENE
