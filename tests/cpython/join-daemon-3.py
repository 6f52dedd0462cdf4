import time
from multiprocessing import Process

#SCENE
