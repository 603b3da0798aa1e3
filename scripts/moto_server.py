"""moto's server with DynamoDB requests handled one at a time.

DynamoDB applies a conditional write atomically; moto's in-memory DynamoDB evaluates the condition
and writes in two steps, so two concurrent requests on one item can both pass their condition. The
timer table and the rollout records rely on that atomicity (one replica wins a claim), so the local
emulator serialises DynamoDB requests. Other services (SQS long polls above all) stay concurrent.

Usage: python3 scripts/moto_server.py -H 127.0.0.1 -p 5000   (the same arguments as moto.server)
"""
import threading

from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_lock = threading.Lock()
_call_action = DynamoHandler.call_action


def _atomic_call_action(self):
    with _lock:
        return _call_action(self)


DynamoHandler.call_action = _atomic_call_action

if __name__ == "__main__":
    main()
