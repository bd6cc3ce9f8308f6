"""Shot framing: where each character stands and how big, per shot type; the lens per shot type.

Why: the shot type is what a storyboard panel is for. A close-up shows the speaker's face, an
over-the-shoulder the back of one head and the other's face, a wide shot whole figures; the
'end' moment of a shot moves and turns the figures so start and end frames differ.
"""

from __future__ import annotations

from .canvas import Canvas
from .figures import BODY, Figure
from .looks import CharacterLook
from .seeded import seeded_rng
from .spec import FrameSpec
from .vocabulary import character_key, split_speaker

__all__ = ["LENS", "place_figures"]


LENS = {
    "establishing": (1.0, 0.0),
    "wide": (1.0, 0.0),
    "medium": (1.3, 0.0025),
    "two-shot": (1.25, 0.0025),
    "medium close-up": (1.6, 0.006),
    "over-the-shoulder": (1.6, 0.006),
    "close-up": (1.9, 0.01),
    "extreme close-up": (2.4, 0.014),
    "insert": (2.0, 0.014),
}


def _spread(n: int, lo: float, hi: float) -> list[float]:
    if n <= 0:
        return []
    if n == 1:
        return [(lo + hi) / 2]
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def place_figures(spec: FrameSpec, cv: Canvas) -> list[Figure]:
    """Place characters for the shot type; the 'end' moment shifts and turns them."""
    shot = spec.shot_type
    chars = list(spec.characters)
    if shot == "insert" or not chars:
        return []
    W, P = cv.w, cv.pic_h
    speaker, _ = split_speaker(spec.caption)
    names = [character_key(c.name) for c in chars]
    end = spec.moment == "end"
    figs: list[Figure] = []

    def centre_facing(x: float, centre: float) -> float:
        return max(-0.8, min(0.8, (centre - x) / W * 3.0))

    if shot in ("close-up", "extreme close-up"):
        idx = names.index(speaker) if speaker in names else 0
        look = chars[idx]
        rng = seeded_rng("cu", names[idx], spec.title or "", spec.location)
        side = -1 if rng.random() < 0.5 else 1
        head_f = BODY[look.silhouette][0]
        if shot == "close-up":  # head and shoulders: head ~55% of the picture height
            F, top, x = min(P * 0.55, W * 0.42) / head_f, P * 0.1, W / 2 + side * W * 0.08
        else:  # the face fills the frame, eyes a little above the middle
            F = min(P * 0.95, W * 0.9) / head_f  # shoulders stay just visible: the costume colour identifies
            top, x = P * 0.42 - F * head_f * 0.56, W / 2
        facing = -side * 0.25
        if end:
            x += -side * W * 0.025
            facing = -side * 0.05 + side * 0.3
        figs.append(Figure(look, x, top, F, facing, gesture=0.0, speaking=speaker == names[idx]))
        return figs

    if shot == "over-the-shoulder":
        if speaker in names:
            fi = names.index(speaker)
        else:
            fi = 1 if len(chars) > 1 else 0
        front = chars[fi]
        others = [c for i, c in enumerate(chars) if i != fi]
        shoulder = others[0] if others else None
        F_front = P * 2.0
        fx = W * 0.64 + (W * 0.02 if end else 0.0)
        figs.append(Figure(front, fx, max(P * 0.16, cv.head_room), F_front, -0.45 + (0.2 if end else 0.0),
                            gesture=0.5 if end else 0.0, speaking=speaker == names[fi]))
        # the foreground shoulder: back of the head large at the left, shoulders
        # well above the caption band so the costume colour reads
        back = shoulder or CharacterLook(name="", colour=(52, 54, 62), silhouette="broad")
        hd = min(P * 0.48, W * 0.3)
        F_back = hd / BODY[back.silhouette][0]
        bx = W * 0.14 - (W * 0.015 if end else 0.0)
        figs.append(Figure(back, bx, P * 0.74 - hd * 1.08, F_back, 0.3, back=True))
        return figs

    if shot == "two-shot" and len(chars) > 2:
        chars, names = chars[:2], names[:2]
    if shot == "medium close-up" and len(chars) > 2:
        chars, names = chars[:2], names[:2]
    n = len(chars)
    if shot == "establishing":
        F, lo, hi, feet = P * 0.2, 0.32, 0.68, P * 0.93
    elif shot == "wide":
        F, lo, hi, feet = P * 0.52, 0.2, 0.8, P * 0.95
    elif shot == "medium close-up":
        F, lo, hi, feet = P * 2.3, 0.3, 0.7, None
    else:  # medium, two-shot
        F, lo, hi, feet = P * 1.55, 0.25, 0.75, None
        if shot == "two-shot" and n == 2:
            lo, hi = 0.3, 0.7
    if n > 1:
        lo, hi = max(0.08, lo - 0.03 * (n - 2)), min(0.92, hi + 0.03 * (n - 2))
    stagger = False
    if n > 1:  # crowded or narrow (9:16) frames: make the figures fit side by side
        max_sw = max(BODY[c.silhouette][1] for c in chars)
        room = W * (hi - lo) / (n - 1)
        fit = room * 0.85 / (max_sw + 0.1)
        if feet is not None:  # full figures simply get smaller
            F = min(F, fit)
        elif fit < F:  # waist-up: shrink a little, then stagger in depth
            F = max(fit, F * 0.75)
            stagger = fit < F
    xs = _spread(n, W * lo, W * hi)
    centre = sum(xs) / n
    for i, (look, x) in enumerate(zip(chars, xs)):
        rng = seeded_rng("fig", names[i], spec.title or "", spec.location, shot)
        facing = centre_facing(x, centre) if n > 1 else rng.uniform(-0.3, 0.3)
        gesture = 0.0
        if end:
            step = (W * 0.07 if shot in ("wide", "establishing") else W * 0.03)
            direction = (1 if x < centre else -1) if n > 1 else (1 if rng.random() < 0.5 else -1)
            x += direction * step
            facing = max(-0.9, min(0.9, facing + direction * 0.35 if n == 1 else facing * 0.5 + direction * 0.2))
            gesture = 0.8 if (speaker == names[i] or (speaker is None and i == 0)) else 0.15
        elif speaker == names[i]:
            gesture = 0.3
        if feet is not None:
            top = feet - F
        else:
            top = max(P * (0.12 if shot != "medium close-up" else 0.1), cv.head_room)
        Fi = F * 0.82 if (stagger and i % 2 == 1) else F  # odd ones stand further back
        figs.append(Figure(look, x, top, Fi, facing, gesture=gesture, speaking=speaker == names[i]))
    return figs
