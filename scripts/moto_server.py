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

moto finds the service of every request by listing its package directory (os.listdir and a stat per
entry) and by listing the methods of the service's response class (inspect.getmembers). Neither can
change while the server runs, so the launcher computes each once.

moto checks the types and the key sizes of every item it puts by walking each attribute value and
wrapping it in a DynamoType, and builds the stored item the same way. For the usual flat values, S and
N strings, the launcher does the same work directly: it passes the type check when every number is
plain (digits, at most 38 before and 38 after the point, which all moto's checks accept) and the size
check when every key is within its limit. Any other item goes through moto's own checks, which raise
the same errors as before.

moto answers every Query by walking the whole table, in key order: it sorts every item of the table
by its keys (DynamoType comparisons, each parsing numbers again), keeps the items of the queried
partition, and sorts those by the index's keys the same way. On a ledger table of 60,000 items a query
of one thing's partition took 265 ms and a sweep of the due index (32 queries) 9.3 s, all under the
lock above. The launcher hands a table query the queried partition only, and an index query the items
whose key attributes can equal the queried key (moto's own test still runs on them), in no order (moto
sorts what it finds by the index's keys and the table's, a total order); the sorts compare each key's
value parsed once. Same items, same order, same pages: 0.05 s and 3.5 s.

Python's cyclic garbage collector walks every tracked object at each full collection, and most of
them live as long as the server: moto's modules and the stored items (with 15,000 ledger items stored,
some 390,000 objects). The launcher freezes (gc.freeze) what survives a full collection, so the next
ones walk only newer objects. Cyclic garbage is still freed, except the few cycles of the requests in
flight at the moment of a freeze, which stay frozen.

Usage: python3 scripts/moto_server.py -H 127.0.0.1 -p 5000   (the same arguments as moto.server)
"""
import copy
from decimal import Decimal
import functools
import gc
import json
import re
import threading

from moto import backends
from moto.core import responses as core_responses
from moto.dynamodb import models
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.limits import HASH_KEY_MAX_LENGTH, RANGE_KEY_MAX_LENGTH
from moto.dynamodb.models import dynamo_type
from moto.dynamodb.models import table as dynamo_table
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

# The service list is the package's directories, and a response class's methods are fixed once the
# launcher has patched them (above, before the first request): both caches hold what moto would compute.
_list_of_moto_modules = backends.list_of_moto_modules
backends.list_of_moto_modules = functools.cache(lambda: tuple(_list_of_moto_modules()))
core_responses.method_names_from_class = functools.cache(core_responses.method_names_from_class)

# A number moto's _validate_number_type accepts: it parses, has no blanks, and its magnitude (0, or
# between 1e-38 and 1e38) is inside DynamoDB's range. [0-9], not \d: \d matches other scripts' digits.
_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,38}(\.[0-9]{1,38})?")


def _flat(value):
    """(type, text) of an attribute value that is an S or N holding a string, else None."""
    if type(value) is dict and len(value) == 1:
        ((kind, text),) = value.items()
        if (kind == "S" or kind == "N") and type(text) is str:
            return kind, text
    return None


def _flat_size(kind, text):
    return len(text) if kind == "N" else bytesize(text)  # what DynamoType.size() computes for it


_validate_item_types = models.Table._validate_item_types
_validate_key_sizes = models.Table._validate_key_sizes


def _validate_flat_item_types(self, item_attrs, attr=None):
    if attr is None:
        for value in item_attrs.values():
            flat = _flat(value)
            if flat is None or flat[0] == "N" and not _PLAIN_NUMBER.fullmatch(flat[1]):
                break
        else:
            return  # S strings and plain numbers: moto's walk would find nothing wrong
    _validate_item_types(self, item_attrs, attr)


def _validate_flat_key_sizes(self, item_attrs):
    for names, limit in ((self.hash_key_names, HASH_KEY_MAX_LENGTH), (self.range_key_names, RANGE_KEY_MAX_LENGTH)):
        for name in names:
            value = item_attrs.get(name)
            if value:
                flat = _flat(value)
                if flat is None or _flat_size(*flat) > limit:
                    return _validate_key_sizes(self, item_attrs)  # moto's check, and its error


models.Table._validate_item_types = _validate_flat_item_types
models.Table._validate_key_sizes = _validate_flat_key_sizes

_ITEM_SIZE_LIMIT = 405000  # moto's own limit (LimitedSizeDict): AWS's 400 KB, measured between 409 and 410 KB


def _item_init_sized_once(self, hash_key, range_key, attrs):
    self.hash_key = hash_key
    self.range_key = range_key
    self.attrs = dynamo_type.LimitedSizeDict()
    size = 0
    for key, value in attrs.items():
        flat = _flat(value)
        if flat:  # the DynamoType that DynamoType(value) builds, without its type tests
            typed = object.__new__(dynamo_type.DynamoType)
            typed.type, typed.value = flat
            size += bytesize(key) + _flat_size(*flat)
        else:
            typed = dynamo_type.DynamoType(value)
            size += bytesize(key) + typed.size()
        dict.__setitem__(self.attrs, key, typed)
    if size > _ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge


dynamo_type.Item.__init__ = _item_init_sized_once

_query = dynamo_table.Table.query


def _key_value_test(name, expected):
    """
    A test whether an item's attribute can equal a key value: a superset of moto's own test (same type,
    same cast value), which still runs on what passes. Numbers are compared as decimals, once per text.
    """
    if expected.type != "N":
        return lambda attrs: (attr := attrs.get(name)) is not None and attr.type == expected.type \
            and attr.value == expected.value
    number = Decimal(expected.value)
    equal = {}

    def test(attrs):
        attr = attrs.get(name)
        if attr is None or attr.type != "N":
            return False
        text = attr.value
        same = equal.get(text)
        if same is None:
            same = equal[text] = Decimal(text) == number
        return same

    return test


def _unsorted_items(table):
    """The table's items in no order: a query sorts what it finds by the index's keys and the table's."""
    for partition in table.items.values():
        if table.range_key_attr:
            yield from partition.values()
        else:
            yield partition


def _query_candidates(self, hash_key, index_name, hash_key_conditions):
    """The items a query can return, or None when moto's own walk over the table is needed."""
    if index_name is None:
        if hash_key is None:
            return None
        partition = self.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if self.range_key_attr else [partition]
    if not hash_key_conditions:
        return None
    tests = [_key_value_test(name, value) for name, value in hash_key_conditions]
    return [item for item in _unsorted_items(self) if all(test(item.attrs) for test in tests)]


def _query_within_candidates(self, hash_key, *args, **kwargs):
    index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
    candidates = _query_candidates(self, hash_key, index_name, kwargs.get("hash_key_conditions"))
    if candidates is None:
        return _query(self, hash_key, *args, **kwargs)
    self.all_items = lambda: candidates
    try:
        return _query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


dynamo_table.Table.query = _query_within_candidates


def _sorted_by_cast_values(self, hash_key_attrs, range_key_attrs, items):
    attrs = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
    items.sort(key=lambda item: tuple(item.attrs[name].cast_value for name in attrs))
    return items


dynamo_table.Table.sorted_items = _sorted_by_cast_values


def _freeze_after_full_collection(phase, info):
    # Whatever survived a full collection (moto's modules, the stored items) stays for good: freezing
    # it spares every later full collection from walking it all again.
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


gc.callbacks.append(_freeze_after_full_collection)

if __name__ == "__main__":
    main()
