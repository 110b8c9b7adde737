"""Compiles the translation catalogues (locale/<language>/LC_MESSAGES/*.po) into the .mo files Django reads.

Plain Python, so neither a developer's machine nor CI needs GNU gettext's msgfmt: the .po format Mercato's
catalogues use (msgctxt, msgid, msgid_plural, msgstr[n], "fuzzy" flags, continued strings) is small. Each .mo is
rewritten only when its .po is newer. Fuzzy entries are left out, as msgfmt leaves them out.
"""

import ast
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOCALE = REPO / "locale"


def parse_po(text: str) -> dict[bytes, bytes]:
    """The catalogue's translated entries, keyed as .mo files key them (context EOT id, plural ids NUL-joined)."""
    messages: dict[bytes, bytes] = {}
    entry: dict[str, list[str]] = {}
    fuzzy = False
    current: list[str] | None = None

    def finish() -> None:
        nonlocal entry, fuzzy
        if "msgid" in entry and not fuzzy:
            msgid = "".join(entry["msgid"])
            if "msgid_plural" in entry:
                msgid += "\0" + "".join(entry["msgid_plural"])
                forms = sorted(key for key in entry if key.startswith("msgstr["))
                msgstr = "\0".join("".join(entry[key]) for key in forms)
            else:
                msgstr = "".join(entry.get("msgstr", []))
            if "msgctxt" in entry:
                msgid = "".join(entry["msgctxt"]) + "\x04" + msgid
            # An untranslated entry is left out, so Django falls back to the English text (the header's is kept).
            if msgstr.replace("\0", "") or not msgid:
                messages[msgid.encode()] = msgstr.encode()
        entry, fuzzy = {}, False

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            finish()
            fuzzy = True
        elif not line or line.startswith("#"):
            continue
        elif line.startswith('"'):
            if current is None:
                raise ValueError(f"line {number}: a string continues no keyword")
            current.append(ast.literal_eval(line))
        else:
            keyword, _, rest = line.partition(" ")
            starts_entry = keyword in ("msgctxt", "msgid") and any(key.startswith("msgstr") for key in entry)
            if starts_entry or keyword in entry:
                finish()
            current = entry.setdefault(keyword, [])
            current.append(ast.literal_eval(rest.strip()))
    finish()
    return messages


def write_mo(messages: dict[bytes, bytes], path: Path) -> None:
    """The GNU .mo layout: a header, two sorted tables of (length, offset), then the NUL-terminated strings."""
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for key in keys:
        offsets.append((len(ids), len(key), len(strs), len(messages[key])))
        ids += key + b"\0"
        strs += messages[key] + b"\0"
    header_size = 7 * 4
    ids_start = header_size + 16 * len(keys)
    strs_start = ids_start + len(ids)
    table_ids, table_strs = [], []
    for id_offset, id_length, str_offset, str_length in offsets:
        table_ids += [id_length, ids_start + id_offset]
        table_strs += [str_length, strs_start + str_offset]
    output = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), header_size, header_size + 8 * len(keys), 0, 0)
    output += struct.pack(f"{len(table_ids)}i", *table_ids) + struct.pack(f"{len(table_strs)}i", *table_strs)
    path.write_bytes(output + ids + strs)


def compile_all(locale: Path = LOCALE, *, force: bool = False) -> list[Path]:
    """Compile every catalogue whose .mo is missing or older than its .po; return the .mo files written."""
    written = []
    for po in sorted(locale.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if force or not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            write_mo(parse_po(po.read_text(encoding="utf-8")), mo)
            written.append(mo)
    return written


def main(argv: list[str]) -> int:
    for mo in compile_all(force="--force" in argv):
        print(f"[setup] compiled {mo.relative_to(REPO)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
