from threading import Thread, Lock
import time

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

class MyThread2(Thread):
    def run(self):
        if lockB.acquire():
            print(f'{self.name} got B')
            time.sleep(0.1)
            if lockA.acquire():
                print(f'{self.name} got A')
                lockA.release()
            lockB.release()

if __name__ == '__main__':
    MyThread1().start()
    MyThread2().start()
