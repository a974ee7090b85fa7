"""The GiroCode's own mask choice against segno's: the same penalty for any matrix, the same mask
and so the very same symbol for any EPC payload, at every version an EPC code can have."""

from __future__ import annotations

import dataclasses
import random
from decimal import Decimal

import pytest
import segno
import segno.helpers
from segno import encoder

from kommune_desk.documents.girocode import Shapes, epc_qr, penalty, qr_matrix, stack
from kommune_desk.documents.model import FeeBlock, FeeItem, LetterKind

from .documents_samples import sample_letter

LETTERS = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ äöüßÄÖÜ 0123456789 .,-/:"
# Runs, finder-like patterns and chains of them overlapping by one or three modules (segno skips
# a pattern that starts inside a counted one), as rows or, transposed, as columns.
MOTIFS = ("1011101", "10111011101", "1011101011101", "101110111011101", "00001011101", "1111100000")


def _segno_penalty(matrix: list[bytearray]) -> int:
    return sum(encoder.mask_scores(matrix, len(matrix), len(matrix)))


def _our_penalty(matrix: list[bytearray]) -> int:
    size = len(matrix)
    rows = [int("".join(map(str, row)), 2) for row in matrix]
    columns = [int("".join(str(row[j]) for row in matrix), 2) for j in range(size)]
    return penalty(stack(rows, size), stack(rows + columns, size), Shapes.of(size))


def _random_matrix(rnd: random.Random, size: int) -> list[bytearray]:
    if rnd.random() < 0.4:
        dark = rnd.random()
        return [bytearray(int(rnd.random() < dark) for _ in range(size)) for _ in range(size)]
    motif = rnd.choice(MOTIFS) * (size // 4 + 2)
    rows = []
    for _ in range(size):
        start = rnd.randrange(8)
        rows.append(
            bytearray(int(c) if rnd.random() > 0.08 else 1 - int(c) for c in motif[start : start + size])
        )
    return rows if rnd.random() < 0.5 else [bytearray(column) for column in zip(*rows, strict=True)]


def test_penalty_counts_as_segno_counts() -> None:
    rnd = random.Random(18004)
    for _ in range(600):
        matrix = _random_matrix(rnd, rnd.choice([21, 25, 45, 69]))
        assert _our_penalty(matrix) == _segno_penalty(matrix)


def _text(rnd: random.Random, longest: int) -> str:
    """One line, single spaces: as the fee block's fields reach the payload."""
    return " ".join("".join(rnd.choice(LETTERS) for _ in range(rnd.randint(1, longest))).split()) or "x"


def test_symbol_is_the_one_segno_makes_at_every_version() -> None:
    """Same mask, format information and modules as segno's own choice (ISO 18004: lowest penalty)."""
    rnd = random.Random(69)
    versions, masks = set(), set()
    for length in range(1, 332, 2):
        payload = "".join(rnd.choice(LETTERS) for _ in range(length)).encode("iso-8859-1")
        expected = segno.make_qr(payload, error="m", boost_error=False)
        assert qr_matrix(payload) == tuple(bytes(row) for row in expected.matrix), (length, expected.mask)
        versions.add(expected.version)
        masks.add(expected.mask)
    assert versions == set(range(1, 14)) and masks == set(range(8))


def test_epc_code_equals_segnos_epc_helper() -> None:
    base = sample_letter(LetterKind.GEBUEHRENBESCHEID)
    fee = next(part for part in base.parts if isinstance(part, FeeBlock))
    rnd = random.Random(331)
    for _ in range(80):
        changed = dataclasses.replace(
            fee,
            payee=_text(rnd, 69) + rnd.choice(["", "Ł"]),
            purpose=_text(rnd, 100),
            items=(FeeItem("Gebühr", "", "", rnd.randint(1, 10**9)),),
        )
        expected = segno.helpers.make_epc_qr(
            name=changed.payee,
            iban=changed.bank.iban,
            amount=Decimal(changed.total_cents) / 100,
            text=changed.purpose,
            bic=changed.bank.bic,
            encoding="iso-8859-1" if "Ł" not in changed.payee else "utf-8",
        )
        assert epc_qr(changed) == tuple(bytes(row) for row in expected.matrix)


def test_more_than_version_13_is_refused() -> None:
    with pytest.raises(ValueError, match="version 13"):
        qr_matrix(b"x" * 400)
