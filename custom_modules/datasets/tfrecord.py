"""Read and write the course's TFRecord shards without TensorFlow.

A TFRecord file is a sequence of records: ``uint64 length``, ``uint32 masked crc32c of
the length``, ``length`` bytes of data, ``uint32 masked crc32c of the data``. The data
is a serialized ``tf.train.Example`` protobuf: a map from feature name to a list of
bytes, floats or int64s. This module decodes exactly that much protobuf by hand.
"""
import glob
import os.path as osp
import struct

from ..errors import ZooError

__all__ = ['read_examples', 'write_examples', 'encode_example', 'decode_example', 'shard_paths']

# --- crc32c (Castagnoli), as TFRecord uses it -----------------------------------------
_POLY = 0x82F63B78
_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def _crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data):
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# --- protobuf wire format --------------------------------------------------------------
def _varint(buf, pos):
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buf):
    """Yield ``(field_number, wire_type, value)``; value is bytes for wire type 2."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f'unsupported protobuf wire type {wire}')
        yield number, wire, value


def _signed64(value):
    return value - (1 << 64) if value >= 1 << 63 else value


def _decode_feature(buf):
    for kind, _, body in _fields(buf):  # exactly one of bytes_list/float_list/int64_list
        values = []
        for _, wire, value in _fields(body):
            if kind == 1:
                values.append(bytes(value))
            elif kind == 2:
                values += (
                    list(struct.unpack(f'<{len(value) // 4}f', value)) if wire == 2 else list(
                        struct.unpack('<f', value)))
            elif kind == 3:
                if wire == 2:  # packed
                    pos = 0
                    while pos < len(value):
                        v, pos = _varint(value, pos)
                        values.append(_signed64(v))
                else:
                    values.append(_signed64(value))
        return values
    return []


def decode_example(buf):
    """A serialized ``tf.train.Example`` as ``{name: [values...]}``."""
    features = {}
    for _, _, features_buf in _fields(buf):  # Example.features
        for _, _, entry in _fields(features_buf):  # Features.feature map entries
            key, value = None, b''
            for number, _, field in _fields(entry):
                if number == 1:
                    key = bytes(field).decode()
                elif number == 2:
                    value = field
            features[key] = _decode_feature(value)
    return features


def _encode_varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _length_delimited(number, payload):
    return _encode_varint(number << 3 | 2) + _encode_varint(len(payload)) + payload


def encode_example(features):
    """Serialize ``{name: bytes | int | float | list of one kind}`` as a ``tf.train.Example``."""
    entries = b''
    for name, values in features.items():
        values = values if isinstance(values, (list, tuple)) else [values]
        if all(isinstance(v, bytes) for v in values):
            body = _length_delimited(1, b''.join(_length_delimited(1, v) for v in values))
        elif all(isinstance(v, int) for v in values):
            packed = b''.join(_encode_varint(v & (1 << 64) - 1) for v in values)
            body = _length_delimited(3, _length_delimited(1, packed))
        else:
            packed = struct.pack(f'<{len(values)}f', *values)
            body = _length_delimited(2, _length_delimited(1, packed))
        entry = _length_delimited(1, name.encode()) + _length_delimited(2, body)
        entries += _length_delimited(1, entry)
    return _length_delimited(1, entries)


# --- record files -----------------------------------------------------------------------
def shard_paths(data_root, patterns):
    """The files matching each of ``patterns`` (names or globs under ``data_root``), sorted;
    a pattern that matches nothing is a :class:`ZooError`."""
    paths = []
    for pattern in patterns:
        full = osp.join(data_root or '', pattern)
        found = sorted(glob.glob(full))
        if not found:
            raise ZooError(f'no TFRecord shard matches {full}')
        paths += found
    return paths


def read_examples(path):
    """Yield each record of the TFRecord file ``path`` as ``{name: [values...]}``."""
    with open(path, 'rb') as f:
        index = 0
        while True:
            header = f.read(12)
            if not header:
                return
            if len(header) < 12:
                raise ZooError(f'{path}: truncated TFRecord header at record {index}')
            length, length_crc = struct.unpack('<QI', header)
            if _masked_crc(header[:8]) != length_crc:
                raise ZooError(f'{path}: record {index} is corrupt (bad length checksum); '
                               'is this a TFRecord file?')
            data = f.read(length)
            if len(data) < length or len(f.read(4)) < 4:
                raise ZooError(f'{path}: record {index} is truncated')
            try:
                yield decode_example(data)
            except (IndexError, ValueError, UnicodeDecodeError) as err:
                raise ZooError(f'{path}: record {index} is not a tf.train.Example ({err})')
            index += 1


def write_examples(path, examples):
    """Write ``examples`` (dicts for :func:`encode_example`) as a TFRecord file."""
    with open(path, 'wb') as f:
        for features in examples:
            data = encode_example(features)
            length = struct.pack('<Q', len(data))
            f.write(length + struct.pack('<I', _masked_crc(length)))
            f.write(data + struct.pack('<I', _masked_crc(data)))
