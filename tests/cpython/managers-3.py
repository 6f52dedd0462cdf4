from multiprocessing import Lock, Manager, Process

#SCENE
