# lanes: Process-1=worker-0, Process-2=worker-1, Process-3=worker-2, Process-4=worker-3, Process-5=worker-4, Process-6=worker-5, Process-7=worker-6, Process-8=worker-7, Process-9=worker-8, Process-10=worker-9
import time
from multiprocessing import Process, Semaphore

#SCENE
