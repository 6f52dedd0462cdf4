from multiprocessing import BoundedSemaphore, Semaphore

#SCENE
