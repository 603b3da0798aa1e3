"""moto's server with DynamoDB requests handled one at a time.

DynamoDB applies a conditional write atomically; moto's in-memory DynamoDB evaluates the condition
and writes in two steps, so two concurrent requests on one item can both pass their condition. The
timer table and the rollout records rely on that atomicity (one replica wins a claim), so the local
emulator serialises DynamoDB requests. Other services (SQS long polls above all) stay concurrent.

moto backs up every table a transaction touches with a deep copy, once per action, before
TransactWriteItems runs: a 25-action transaction on a table of 10,000 items copies 250,000 items, so
every transaction gets slower as the ledger table fills. The launcher backs up the items the
transaction names instead and puts them back when it is cancelled, which is what a rollback needs.

moto checks the 400 KB item limit on every attribute it sets, summing the sizes of all the attributes set
before: building an item of n attributes costs n^2 size computations (a 15-attribute ledger item, 120).
The launcher builds the item first and checks its size once, with the same limit and the same error.

moto parses every DynamoDB request against the botocore service model, walking each attribute value of
each item; for DynamoDB's JSON protocol that yields what json.loads yields, except for binary values
(base64 text, which the model turns into bytes). The launcher parses bodies without binary values with
json.loads and leaves the others to moto's parser.

Usage: python3 scripts/moto_server.py -H 127.0.0.1 -p 5000   (the same arguments as moto.server)
"""
import copy
import json
import re
import threading

from moto.dynamodb import models
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import dynamo_type
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_lock = threading.Lock()
_call_action = DynamoHandler.call_action


def _atomic_call_action(self):
    with _lock:
        return _call_action(self)


DynamoHandler.call_action = _atomic_call_action


class _TablesUncopied:
    """Stands in for the copy module inside moto's DynamoDB backend: tables are not copied."""

    def deepcopy(self, value, memo=None):
        if isinstance(value, models.Table):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name):
        return getattr(copy, name)


_transact_write_items = models.DynamoDBBackend.transact_write_items


def _item_key(table, op_type, op):
    attrs = op["Item"] if op_type == "Put" else op["Key"]
    hash_key = models.DynamoType(attrs[table.hash_key_attr])
    range_key = models.DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key


def _put_back(table, hash_key, range_key, item):
    table.delete_item(hash_key, range_key)
    if item is None:
        return
    if range_key is not None:
        table.items[hash_key][range_key] = item
    else:
        table.items[hash_key] = item


def _transact_with_item_backup(self, transact_items):
    backups = []
    for action in transact_items[:100]:
        op_type, op = next(iter(action.items()))
        table = self.tables.get(op.get("TableName"))
        if table is None or op_type not in ("Put", "Update", "Delete", "ConditionCheck"):
            continue
        try:
            hash_key, range_key = _item_key(table, op_type, op)
        except KeyError:
            continue  # a malformed action: moto refuses it before writing anything
        backups.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
    models.copy = _TablesUncopied()
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        for table, hash_key, range_key, item in reversed(backups):
            _put_back(table, hash_key, range_key, item)
        raise
    finally:
        models.copy = copy


models.DynamoDBBackend.transact_write_items = _transact_with_item_backup

_BINARY_VALUE = re.compile(r'"BS?"\s*:')
_parse_parameters = DynamoHandler.parse_parameters


def _parse_json_unless_binary(self, request):
    body = self.body
    if isinstance(body, str) and body and not _BINARY_VALUE.search(body):
        self.params = json.loads(body)
    else:
        _parse_parameters(self, request)


DynamoHandler.parse_parameters = _parse_json_unless_binary

_ITEM_SIZE_LIMIT = 405000  # moto's own limit (LimitedSizeDict): AWS's 400 KB, measured between 409 and 410 KB


def _item_init_sized_once(self, hash_key, range_key, attrs):
    self.hash_key = hash_key
    self.range_key = range_key
    self.attrs = dynamo_type.LimitedSizeDict()
    size = 0
    for key, value in attrs.items():
        typed = dynamo_type.DynamoType(value)
        size += bytesize(key) + typed.size()
        dict.__setitem__(self.attrs, key, typed)
    if size > _ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge


dynamo_type.Item.__init__ = _item_init_sized_once

if __name__ == "__main__":
    main()
