# compare: prefix
# timeout: 4
from multiprocessing import Process, Queue

#SCENE
