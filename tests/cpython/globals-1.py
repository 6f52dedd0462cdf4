from multiprocessing import Process

#SCENE
