"""Read what a student submitted: the notebook and the other files of its folder.

Everything here is written by the student, so nothing is trusted: a name may be a symbolic
link to the solutions, a named pipe that blocks whoever opens it, a device; a notebook may be
any bytes at all. Files are opened without following links (``O_NOFOLLOW``) and without
blocking (``O_NONBLOCK``), checked with ``fstat`` on the open descriptor (no check-then-open
race), and read only up to the bounds in :mod:`convgrade.policy`. What cannot be read gets a
verdict of one line, never an exception of another kind.
"""
from __future__ import annotations

import errno
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import policy

#: How a file that is not regular is named in a refusal.
FILE_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}
_SURROGATE = re.compile("[\ud800-\udfff]")
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_OPEN_FOLDER = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


class CannotGrade(Exception):
    """The file cannot be graded at all (the reason is one line)."""


def shown(name) -> str:
    """``name`` as one printable line: control characters, line breaks and undecodable bytes
    of a file name become escapes, so a name cannot forge or split a report line."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in str(name))


def kind_of(mode: int) -> str:
    return FILE_KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB" if size < 10 * 2**20 else f"{size / 2**20:.0f} MiB"


def read_bounded(fd: int, limit: int) -> bytes | None:
    """At most ``limit`` bytes from ``fd``; ``None`` when there is more than that."""
    chunks, size = [], 0
    while True:
        chunk = os.read(fd, min(2**20, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None


# -- the notebook ---------------------------------------------------------------------------


def load_submission(path) -> nbformat.NotebookNode:
    """The submitted notebook at ``path``, or :class:`CannotGrade` with a one-line reason.

    Refused: a symbolic link, anything but a regular file, an empty file, more than
    ``policy.NOTEBOOK_BYTES`` bytes or ``policy.NOTEBOOK_CELLS`` cells, and any text that is
    not strict JSON of an nbformat 4 notebook (not UTF-8, NaN or Infinity, a key twice in one
    object, numbers longer than ``policy.NOTEBOOK_NUMBER_CHARS`` characters, nesting deeper
    than ``policy.NOTEBOOK_DEPTH``). Cells and metadata are otherwise returned as written, of
    whatever types: :func:`convgrade.restore.restore` copes with those.
    """
    name = shown(path)
    data = read_notebook_bytes(path, name)
    try:
        raw = parse_json(data)
    except CannotGrade as error:
        raise CannotGrade(f"{name}: not a notebook ({error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise CannotGrade(f"{name}: not a notebook (no list of cells)")
    version = raw.get("nbformat")
    if type(version) is not int or version != 4:
        raise CannotGrade(f"{name}: nbformat {shown(repr(version))[:40]} is not supported (need 4)")
    if len(raw["cells"]) > policy.NOTEBOOK_CELLS:
        raise CannotGrade(f"{name}: {len(raw['cells'])} cells are far too many for a notebook "
                          f"(limit {policy.NOTEBOOK_CELLS})")
    if not isinstance(raw.get("metadata"), dict):
        raw["metadata"] = {}
    try:
        return nbformat.from_dict(raw)
    except Exception as error:  # noqa: BLE001 - any failure is the same verdict
        raise CannotGrade(f"{name}: not a readable notebook ({one_line(error)})") from None


def read_notebook_bytes(path, name: str) -> bytes:
    """The bytes of a notebook file, read without following a link, bounded; or CannotGrade."""
    try:
        fd = os.open(path, _OPEN_FILE)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise CannotGrade(f"{name}: is a symbolic link, not a notebook; "
                              "submit the notebook file itself") from None
        if error.errno == errno.ENOENT:
            raise CannotGrade(f"{name}: no such file") from None
        raise CannotGrade(f"{name}: cannot be read ({one_line(error.strerror)})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CannotGrade(f"{name}: is {kind_of(info.st_mode)}, not a notebook file")
        if info.st_size == 0:
            raise CannotGrade(f"{name}: the file is empty")
        too_large = CannotGrade(f"{name}: {_mib(info.st_size)} is far too large for a notebook "
                                f"(limit {policy.NOTEBOOK_BYTES // 2**20} MiB)")
        if info.st_size > policy.NOTEBOOK_BYTES:
            raise too_large
        try:
            data = read_bounded(fd, policy.NOTEBOOK_BYTES)
        except OSError as error:
            raise CannotGrade(f"{name}: cannot be read ({one_line(error.strerror)})") from None
        if data is None:                          # it grew while being read
            raise too_large
        if not data:
            raise CannotGrade(f"{name}: the file is empty")
        return data
    finally:
        os.close(fd)


def one_line(text) -> str:
    """``text`` on one line, shortened: for reasons that quote a parser's message."""
    return " ".join(str(text).split())[:300]


def _refuse_constant(name):
    raise CannotGrade(f"{name} is not a JSON number")


def _bounded_number(kind):
    def parse(text):
        if len(text) > policy.NOTEBOOK_NUMBER_CHARS:
            raise CannotGrade(f"a number of {len(text)} characters "
                              f"(limit {policy.NOTEBOOK_NUMBER_CHARS})")
        return kind(text)
    return parse


def _unique_keys(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise CannotGrade(f"the key {shown(repr(key))[:60]} appears twice in one object")
        out[key] = value
    return out


def parse_json(data: bytes):
    """Strict JSON: UTF-8, no NaN/Infinity, no repeated key, bounded numbers and nesting.
    Lone surrogates (``"\\ud800"``) become U+FFFD so the result can always be written
    back as UTF-8. Raises :class:`CannotGrade` with the reason."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CannotGrade(f"not UTF-8 text: {one_line(error)}") from None
    try:
        raw = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant,
                         parse_int=_bounded_number(int), parse_float=_bounded_number(float))
    except RecursionError:
        raise CannotGrade(f"nested far deeper than {policy.NOTEBOOK_DEPTH} levels") from None
    except ValueError as error:              # JSONDecodeError, and int's own digit limit
        raise CannotGrade(f"invalid JSON: {one_line(error)}") from None
    return _checked(raw)


def clean_text(text: str) -> str:
    """``text`` with lone surrogates (which JSON can spell, UTF-8 cannot) made U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)


def _checked(raw):
    """Walk the parsed value without recursion: bound its depth, repair lone surrogates."""
    if isinstance(raw, str):
        return clean_text(raw)
    stack = [(raw, 1)] if isinstance(raw, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > policy.NOTEBOOK_DEPTH:
            raise CannotGrade(f"nested deeper than {policy.NOTEBOOK_DEPTH} levels")
        if isinstance(node, dict):
            for key in [k for k in node if clean_text(k) != k]:
                node[clean_text(key)] = node.pop(key)
            slots = list(node)
        else:
            slots = range(len(node))
        for slot in slots:
            value = node[slot]
            if isinstance(value, str):
                node[slot] = clean_text(value)
            elif isinstance(value, (dict, list)):
                stack.append((value, depth + 1))
    return raw


# -- the other files of a submission's folder ---------------------------------------------


@dataclass(frozen=True)
class Collected:
    """The regular files of a submission's folder, by name relative to it ("/" between
    folders), and one line for each thing that was not copied, saying why."""
    files: dict[str, bytes] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


@dataclass
class _Walk:
    files: dict
    refused: list
    total: int = 0
    over_count: int = 0


def is_collected_name(name: str) -> bool:
    """Hidden files and folders (``.ipynb_checkpoints``, ``.git``) and notebooks are left out."""
    return not name.startswith(".") and not name.endswith(".ipynb")


def collect_files(folder) -> Collected:
    """The regular files in ``folder`` and its real subfolders, bounded by
    ``policy.SUBMISSION_FILES``, ``SUBMISSION_FILE_BYTES``, ``SUBMISSION_TOTAL_BYTES`` and
    ``SUBMISSION_FOLDER_DEPTH``; notebooks and hidden names are left out.

    A symbolic link (to a file or a folder, dangling or not), a named pipe, a device or a
    socket is refused with a line naming it, and what it points to is never opened: each
    name is examined with ``lstat`` relative to its folder's descriptor, and opened with
    ``O_NOFOLLOW | O_NONBLOCK`` and checked again with ``fstat`` only when it was a regular
    file or folder. Names come from the folder listing itself, so the walk never leaves
    ``folder``. A folder that does not exist holds no files.
    """
    walk = _Walk({}, [])
    try:
        fd = os.open(folder, _OPEN_FOLDER)
    except FileNotFoundError:
        return Collected()
    except OSError as error:
        what = f"cannot be read ({one_line(error.strerror)})"
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            what = "is a symbolic link" if os.path.islink(folder) else "is not a folder"
        return Collected({}, [f"{shown(Path(folder).name)} {what}: nothing in it was copied "
                              "for grading"])
    try:
        _walk_folder(fd, "", 0, walk)
    finally:
        os.close(fd)
    if walk.over_count:
        walk.refused.append(f"{walk.over_count} more file(s) were not copied for grading: at most "
                            f"{policy.SUBMISSION_FILES} files of a submission are")
    return Collected(walk.files, walk.refused)


def _walk_folder(fd: int, prefix: str, depth: int, walk: _Walk) -> None:
    try:
        with os.scandir(fd) as listing:
            names = sorted(entry.name for entry in listing)
    except OSError as error:
        walk.refused.append(f"{shown(prefix or '.')} could not be listed "
                            f"({one_line(error.strerror)}): nothing in it was copied for grading")
        return
    for name in names:
        if not is_collected_name(name):
            continue
        relative = prefix + name
        try:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except OSError as error:
            walk.refused.append(f"{shown(relative)} could not be examined "
                                f"({one_line(error.strerror)}): it was not copied for grading")
            continue
        if stat.S_ISDIR(info.st_mode):
            _enter_folder(fd, name, relative, depth, walk)
        elif stat.S_ISREG(info.st_mode):
            _copy_file(fd, name, relative, info.st_size, walk)
        else:
            walk.refused.append(f"{shown(relative)} is {kind_of(info.st_mode)}: "
                                "it was not copied for grading")


def _enter_folder(fd: int, name: str, relative: str, depth: int, walk: _Walk) -> None:
    if depth + 1 > policy.SUBMISSION_FOLDER_DEPTH:
        walk.refused.append(f"{shown(relative)} is nested more than "
                            f"{policy.SUBMISSION_FOLDER_DEPTH} folders deep: nothing in it "
                            "was copied for grading")
        return
    try:
        child = os.open(name, _OPEN_FOLDER, dir_fd=fd)
    except OSError as error:     # replaced by a link or a file since it was examined
        what = ("is a symbolic link" if error.errno in (errno.ELOOP, errno.ENOTDIR)
                else f"could not be opened ({one_line(error.strerror)})")
        walk.refused.append(f"{shown(relative)} {what}: nothing in it was copied for grading")
        return
    try:
        _walk_folder(child, relative + "/", depth + 1, walk)
    finally:
        os.close(child)


def _copy_file(fd: int, name: str, relative: str, size: int, walk: _Walk) -> None:
    if len(walk.files) >= policy.SUBMISSION_FILES:
        walk.over_count += 1
        return
    if size > policy.SUBMISSION_FILE_BYTES:
        walk.refused.append(_too_large(relative, size))
        return
    if walk.total + size > policy.SUBMISSION_TOTAL_BYTES:
        walk.refused.append(_over_total(relative))
        return
    try:
        handle = os.open(name, _OPEN_FILE, dir_fd=fd)
    except OSError as error:
        what = ("is a symbolic link" if error.errno == errno.ELOOP
                else f"could not be opened ({one_line(error.strerror)})")
        walk.refused.append(f"{shown(relative)} {what}: it was not copied for grading")
        return
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):   # swapped since it was examined
            walk.refused.append(f"{shown(relative)} is {kind_of(info.st_mode)}: "
                                "it was not copied for grading")
            return
        limit = min(policy.SUBMISSION_FILE_BYTES, policy.SUBMISSION_TOTAL_BYTES - walk.total)
        try:
            data = read_bounded(handle, limit)
        except OSError as error:
            walk.refused.append(f"{shown(relative)} could not be read "
                                f"({one_line(error.strerror)}): it was not copied for grading")
            return
    finally:
        os.close(handle)
    if data is None:                          # it grew while being read
        walk.refused.append(_too_large(relative, limit + 1) if limit == policy.SUBMISSION_FILE_BYTES
                            else _over_total(relative))
        return
    walk.files[relative] = data
    walk.total += len(data)


def _too_large(relative: str, size: int) -> str:
    return (f"{shown(relative)} ({_mib(size)}) is larger than the "
            f"{policy.SUBMISSION_FILE_BYTES // 2**20} MiB a file may have: "
            "it was not copied for grading")


def _over_total(relative: str) -> str:
    return (f"{shown(relative)} was not copied for grading: the submission's files may hold "
            f"{policy.SUBMISSION_TOTAL_BYTES // 2**20} MiB in all")
