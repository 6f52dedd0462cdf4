import time
from threading import Thread, Lock

lockA = Lock()
lockB = Lock()


class MyThread1(Thread):
    def run(self):
        if lockA.acquire():
            print(f'{self.name} got A')
            time.sleep(0.1)
            if lockB.acquire():
                print(f'{self.name} got B')
                lockB.release()
            lockA.release()


#SCENE
