# lanes: Process-1=w1, Process-2=w2, Process-3=w3, Process-4=impatient
import time
from multiprocessing import Event, Process

#SCENE
