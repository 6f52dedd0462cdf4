from multiprocessing import Process, Pipe

#SCENE
