"""重复诉求: is a new request the same problem, at the same place, as a recent one?

1. Candidates: requests received within CitizenPolicy.duplicate_days before it, not
   merged themselves and not withdrawn, in the same street (else the same district),
   or — when both have coordinates — within duplicate_metres.
2. Place: coordinates within the distance, or the addresses alike (their character
   bigrams overlap by 60 % or more, one containing the other counts as alike); with
   no address on either side, the same street counts when the texts are very alike
   (60 %: the text then names the place, "幸福小区3号楼").
3. Text: the share of the shorter text's character bigrams found in the other
   (overlap coefficient: a short "电梯又坏了关人" repeats a long first report), after
   dropping spaces, punctuation and the filler citizens open with (你好, 我要反映…).
4. The best candidate whose text similarity reaches duplicate_similarity % is
   proposed; the office confirms the merge or declines it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from .models import CitizenPolicy, CitizenRequest, MergeState, WithdrawalState

NOISE = re.compile(
    r"[\s，。！？、；：,.!?;:“”\"'（）()【】\[\]…~～-]|你好|您好|我要|我想|反映|投诉|请问|谢谢|麻烦"
)
ADDRESS_NOISE = re.compile(r"[\s，。,.、（）()#号]|附近|旁边|对面|门口")
CANDIDATES = 200


@dataclass
class Duplicate:
    request: CitizenRequest
    text_similarity: float
    place_similarity: float


def bigrams(text: str) -> set[str]:
    text = NOISE.sub("", text or "")
    return {text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def dice(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def address_similarity(a: str, b: str) -> float:
    a, b = ADDRESS_NOISE.sub("", a or ""), ADDRESS_NOISE.sub("", b or "")
    if not a or not b:
        return 0.0
    if a in b or b in a:
        return 1.0
    return dice(
        {a[i : i + 2] for i in range(len(a) - 1)}, {b[i : i + 2] for i in range(len(b) - 1)}
    )


def metres(lat1: Decimal, lon1: Decimal, lat2: Decimal, lon2: Decimal) -> float:
    """Great-circle distance (haversine), in metres."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _has_place(request: CitizenRequest) -> bool:
    located = request.latitude is not None and request.longitude is not None
    return bool(request.street_id or request.district_id or located or request.address)


def candidates(request: CitizenRequest, policy: CitizenPolicy):
    since = request.received_at - dt.timedelta(days=policy.duplicate_days)
    rows = CitizenRequest.objects.filter(
        received_at__gte=since, received_at__lte=request.received_at
    )
    rows = rows.exclude(pk=request.pk).exclude(merge_state=MergeState.MERGED)
    rows = rows.exclude(withdrawal_state=WithdrawalState.CONFIRMED)
    place = Q(pk__in=[])
    if request.street_id:
        place |= Q(street_id=request.street_id)
    elif request.district_id:
        place |= Q(district_id=request.district_id)
    if request.latitude is not None and request.longitude is not None:
        # A box of about duplicate_metres around the point (1° latitude ≈ 111 km).
        span = Decimal(policy.duplicate_metres / 111_000 * 1.5)
        place |= Q(
            latitude__range=(request.latitude - span, request.latitude + span),
            longitude__range=(request.longitude - span * 2, request.longitude + span * 2),
        )
    if not (request.street_id or request.district_id or request.latitude is not None):
        place |= Q(address=request.address) if request.address else Q(pk__in=[])
    return rows.filter(place).order_by("-received_at")[:CANDIDATES]


def same_place(a: CitizenRequest, b: CitizenRequest, policy: CitizenPolicy) -> float:
    if (
        a.latitude is not None
        and a.longitude is not None
        and b.latitude is not None
        and b.longitude is not None
    ):
        metres_apart = metres(a.latitude, a.longitude, b.latitude, b.longitude)
        return 1.0 if metres_apart <= policy.duplicate_metres else 0.0
    return address_similarity(a.address, b.address)


def _same_street(a: CitizenRequest, b: CitizenRequest) -> bool:
    return a.street_id is not None and a.street_id == b.street_id


def find_duplicate(request: CitizenRequest) -> Duplicate | None:
    """The earlier request this one most likely repeats, or None."""
    if not _has_place(request):
        return None
    policy = CitizenPolicy.current()
    mine = bigrams(request.text)
    best = None
    for other in candidates(request, policy):
        place = same_place(request, other, policy)
        text = overlap(mine, bigrams(other.text))
        unaddressed = not (request.address or other.address)
        if place < 0.6 and not (unaddressed and _same_street(request, other) and text >= 0.6):
            continue
        if text * 100 >= policy.duplicate_similarity and (
            best is None or text > best.text_similarity
        ):
            best = Duplicate(other, text, place)
    return best
