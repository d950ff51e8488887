"""Present a study with PsychoPy: windows, stimuli, key and mouse responses, screenshots.

PsychoPy is imported inside the functions here only, so the rest of
:mod:`cogalign.studies` (definitions, designs, writing, simulated participants) works without
it. Install it with ``pip install "cogalign[studies]"``.

Every trial is written to disk (and synced) as soon as it is answered, before the confirmation
highlight, the feedback and the inter-trial interval; see :mod:`cogalign.studies.session`.
The quit key (``escape`` by default) stops a session at any screen; what was answered is kept
and ``--resume`` continues it.

Timing: the response time is measured from the screen flip that shows the stimulus to the
frame on which the key or click is processed (PsychoPy's ``event`` module), so its
resolution is about one frame.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cogalign.errors import CogalignError
from cogalign.studies.design import Response, Study, Trial, key_label
from cogalign.studies.session import Session
from cogalign.studies.writer import utc_now

__all__ = ["StopSession", "check_display", "run_session", "take_screenshots"]

class StopSession(Exception):
    """The quit key was pressed: the session stops, keeping every answered trial."""


def check_display() -> None:
    """Fail early, with a clear reason, when there is no display to open a window on.

    Raises
    ------
    CogalignError
        On Linux without ``DISPLAY`` or ``WAYLAND_DISPLAY``; when PsychoPy is not installed.
    """
    try:
        import psychopy  # noqa: F401
    except ImportError as exc:
        raise CogalignError(
            f"PsychoPy is needed to show a study ({exc}); install it with "
            "pip install 'cogalign[studies]', or run a simulated participant with --simulate"
        ) from None
    if (os.name == "posix" and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY") and _is_linux()):
        raise CogalignError(
            "no display: DISPLAY is not set; run on a desktop, under xvfb-run, or pass --xvfb"
        )


def _is_linux() -> bool:
    import sys

    return sys.platform.startswith("linux")


def _no_confirm() -> None:
    """Nothing to show after a rating."""


class _Screen:
    """The window and the stimuli drawn on it."""

    def __init__(self, study: Study, *, fullscreen: bool):
        from psychopy import core, event, logging, visual

        logging.console.setLevel(logging.ERROR)
        self.core, self.event, self.visual = core, event, visual
        self.study = study
        d = study.definition
        self.disp, self.resp, self.timing, self.texts = (
            d["display"], d["response"], d["timing"], d["text"])
        size = self.disp["size"]
        self.win = visual.Window(
            size=size, fullscr=fullscreen, screen=self.disp["screen"], color=self.disp["background"],
            units="height", allowGUI=False, winType="pyglet", checkTiming=self.disp["check_timing"],
        )
        self.aspect = self.win.size[0] / self.win.size[1]
        self.win.mouseVisible = self.resp["mouse"]
        self.mouse = event.Mouse(win=self.win, visible=True) if self.resp["mouse"] else None
        font = {"font": self.disp["font"]} if self.disp["font"] else {}
        self.h = self.disp["text_height"]
        self.color = self.disp["text_color"]
        self.highlight = self.disp["highlight_color"]
        self.text = visual.TextStim(self.win, text="", height=self.h, color=self.color,
                                    wrapWidth=min(1.2, 0.9 * self.aspect), **font)
        self._font = font
        self.clock = core.Clock()
        self._images: dict[str, Any] = {}
        self._click_offset = 0.0

    # ----------------------------------------------------------------- building blocks

    def _stim(self, text: str, pos: tuple[float, float], height: float | None = None,
              wrap: float | None = None, color: str | None = None) -> Any:
        return self.visual.TextStim(
            self.win, text=text, pos=pos, height=height or self.h, color=color or self.color,
            wrapWidth=wrap, **self._font)

    def _image(self, path: str, pos: tuple[float, float], width: float, height: float) -> Any:
        """An image scaled to fit a ``width`` x ``height`` box, keeping its aspect ratio."""
        key = (path, width, height)
        stim = self._images.get(key)
        if stim is None:
            stim = self.visual.ImageStim(self.win, image=path)
            w, h = stim.size
            scale = min(width / w, height / h)
            stim.size = (w * scale, h * scale)
            self._images[key] = stim
        stim.pos = pos
        return stim

    def _box(self, pos: tuple[float, float], width: float, height: float) -> Any:
        return self.visual.Rect(self.win, width=width, height=height, pos=pos, lineColor=self.color,
                                fillColor=None, lineWidth=2)

    def positions(self, n: int) -> list[float]:
        """Horizontal centres of n options (height units)."""
        span = min(0.3 * self.aspect, 0.48) if n == 3 else min(0.45 * self.aspect, 0.72)
        return [span * (k - (n - 1) / 2) for k in range(n)]

    def check_keys(self, keys: Sequence[str]) -> list[tuple[str, float]]:
        """Keys pressed since the last call (with clock times); raise on the quit key."""
        got = self.event.getKeys(keyList=list(keys) + [self.resp["quit_key"]],
                                 timeStamped=self.clock)
        for key, _ in got:
            if key == self.resp["quit_key"]:
                raise StopSession
        return [(k, float(t)) for k, t in got]

    def drain(self) -> None:
        """Forget earlier key presses and clicks, except the quit key (which stops)."""
        self.check_keys([])
        self.event.clearEvents()

    def wait(self, seconds: float, draw: Callable[[], None] | None = None) -> None:
        """Show a screen for a time, still reacting to the quit key."""
        timer = self.core.CountdownTimer(seconds)
        while timer.getTime() > 0:
            if draw is not None:
                draw()
            self.win.flip()
            self.check_keys([])

    def message(self, text: str, *, capture: Path | None = None) -> None:
        """A text screen that waits for the continue key."""
        self.text.text = text
        self.text.pos = (0, 0)
        if capture is not None:
            self.text.draw()
            self.capture(capture)
            return
        self.drain()
        while True:
            self.text.draw()
            self.win.flip()
            if self.check_keys([self.resp["continue_key"]]):
                return

    def fixation(self) -> None:
        """The fixation cross before a trial."""
        if self.timing["fixation"] > 0:
            cross = self._stim("+", (0, 0), height=0.08)
            self.wait(self.timing["fixation"], cross.draw)

    def blank(self, seconds: float) -> None:
        """An empty screen (the inter-trial interval)."""
        if seconds > 0:
            self.wait(seconds)

    def capture(self, path: Path) -> None:
        """Save what has been drawn (the back buffer) as a PNG, then show it."""
        image = self.win.getMovieFrame(buffer="back")
        self.win.movieFrames = []
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
        self.win.flip()

    def close(self) -> None:
        """Close the window."""
        try:
            self.win.close()
        except Exception:  # pragma: no cover - closing a broken window
            pass

    # ----------------------------------------------------------------- trial screens

    def rows(self, trial: Trial) -> dict[str, float]:
        """Heights (height units) of the prompt, the options' centre and the feedback.

        A trial with an image (:attr:`Trial.image`) has it centred between the prompt and
        the options, which move down to make room (``image`` is then its centre and
        ``image_height`` the height of the box it is fitted into).
        """
        if not trial.image:
            return {"prompt": 0.36, "options": 0.02, "rating_options": 0.1, "feedback": -0.3}
        return {"prompt": 0.43, "image": 0.17, "image_height": 0.4, "options": -0.2,
                "rating_options": -0.08, "feedback": -0.43}

    def layout(self, trial: Trial) -> dict[str, Any]:
        """The stimuli of a trial: drawables, and the boxes a click can select."""
        design = self.study.design
        rows = self.rows(trial)
        prompt = self._stim(trial.prompt, (0, rows["prompt"]), wrap=0.9 * self.aspect)
        parts: list[Any] = [prompt]
        if trial.image:
            parts.append(self._image(trial.image, (0, rows["image"]), 0.9 * self.aspect,
                                     rows["image_height"]))
        boxes: list[Any] = []
        if design.n_options == 0:  # a rating scale: the options are shown, not chosen
            xs = self.positions(2)
            height = 0.3 if not trial.image else 0.12
            for x, option in zip(xs, trial.options, strict=True):
                parts += self._option(option, (x, rows["rating_options"]), 0.5, height,
                                      boxed=False)
            return {"parts": parts, "boxes": boxes}
        n = len(trial.options)
        xs = self.positions(n)
        width = 0.4 if n == 3 else 0.56
        height = design.option_height
        y = rows["options"]
        keys = self.resp["keys"]
        for k, (x, option) in enumerate(zip(xs, trial.options, strict=True)):
            box = self._box((x, y), width, height)
            boxes.append(box)
            parts.append(box)
            parts += self._option(option, (x, y), width * 0.9, height * 0.9, boxed=True)
            if keys:
                parts.append(self._stim(key_label(keys[k]), (x, y - height / 2 - 0.05),
                                        height=self.h * 0.9))
        return {"parts": parts, "boxes": boxes}

    def _option(self, option: Any, pos: tuple[float, float], width: float, height: float,
                *, boxed: bool) -> list[Any]:
        if option.image:
            side = min(width, height)
            return [self._image(option.image, pos, side, side)]
        lines = option.lines
        if self.study.design.option_layout == "headline" and len(lines) > 1:
            rest = lines[1:]
            return [self._stim(lines[0], (pos[0], pos[1] + 0.04), height=self.h * 1.5)] + [
                self._stim(line, (pos[0], pos[1] - 0.05 - 0.05 * i)) for i, line in enumerate(rest)
            ]
        if len(lines) == 1:
            return [self._stim(lines[0], pos, height=self.h * 1.2, wrap=width)]
        gap = min(0.06, height / (len(lines) + 1))
        top = pos[1] + gap * (len(lines) - 1) / 2
        return [self._stim(line, (pos[0], top - i * gap), wrap=width)
                for i, line in enumerate(lines)]

    def choose(self, trial: Trial, capture: Path | None = None) -> tuple[Response, str, dict]:
        """Show a choice trial until a key or click picks an option."""
        lay = self.layout(trial)
        keys = list(self.resp["keys"])

        def draw() -> None:
            for part in lay["parts"]:
                part.draw()

        if capture is not None:
            draw()
            self.capture(capture)
            return Response(0, 0.0, "keyboard"), "", lay
        onset: dict[str, str] = {}
        self._start(onset)
        while True:
            draw()
            self.win.flip()
            for key, t in self.check_keys(keys):
                return Response(keys.index(key), t, "keyboard", key), onset.get("utc", ""), lay
            t = self.click()
            if t is not None:
                for k, box in enumerate(lay["boxes"]):
                    if box.contains(self.mouse):
                        return Response(k, t, "mouse"), onset.get("utc", ""), lay

    def _start(self, onset: dict[str, str]) -> None:
        """Start a trial's clock on the next flip.

        Keys pressed before the stimulus appears (anticipations) are dropped then, so no
        response time is ever negative.
        """
        self.drain()
        self._click_offset = 0.0
        if self.mouse is not None:
            self.win.callOnFlip(self.mouse.clickReset)
        self.win.callOnFlip(self.event.clearEvents)
        self.win.callOnFlip(self.clock.reset)
        self.win.callOnFlip(lambda: onset.__setitem__("utc", utc_now()))

    def click(self) -> float | None:
        """Time (from onset) of a left click since the last call, or None.

        PsychoPy time-stamps the press when the window's events are processed, so a click
        shorter than a frame is not missed (the button state alone would be released again).
        """
        if self.mouse is None:
            return None
        _, times = self.mouse.getPressed(getTime=True)
        if times[0] <= 0:
            return None
        t = self._click_offset + float(times[0])
        self._click_offset = self.clock.getTime()
        self.mouse.clickReset()
        return t

    def show_choice(self, lay: dict[str, Any], chosen: int, extra: Sequence[Any] = (),
                    seconds: float = 0.0, capture: Path | None = None) -> None:
        """The trial with the chosen option highlighted (and optional feedback text)."""
        box = lay["boxes"][chosen] if lay["boxes"] else None
        old = None
        if box is not None:
            old = box.lineColor
            box.lineColor = self.highlight
            box.lineWidth = 6

        def draw() -> None:
            for part in lay["parts"]:
                part.draw()
            for part in extra:
                part.draw()

        if capture is not None:
            draw()
            self.capture(capture)
        elif seconds > 0:
            self.wait(seconds, draw)
        if box is not None:
            box.lineColor = old
            box.lineWidth = 2

    def feedback_stim(self, trial: Trial, response: Response) -> Any | None:
        """The design's feedback text under the chosen option (``None`` when it has none)."""
        text = self.study.design.feedback(trial, response)
        if text is None:
            return None
        x = self.positions(len(trial.options))[int(response.value)]
        return self._stim(text, (x, self.rows(trial)["feedback"]), height=self.h * 1.3,
                          color=self.highlight)

    # ----------------------------------------------------------------- rating scale

    def rate(self, trial: Trial, capture: Path | None = None,
             preset: float | None = None) -> tuple[Response, str, Callable[[], None]]:
        """Show a similarity trial until a rating is given (number keys or slider).

        Returns the response, the onset time, and a function that shows the confirmation
        (called once the row is on disk).
        """
        lay = self.layout(trial)
        scale = self.study.definition["scale"]
        points = self.study.scale_points()
        lo, hi = scale["min"], scale["max"]
        y = -0.22
        half = min(0.6, 0.42 * self.aspect)
        labels = [self._stim(scale["labels"][0], (-half, y - 0.09), height=self.h * 0.8),
                  self._stim(scale["labels"][1], (half, y - 0.09), height=self.h * 0.8)]
        state: dict[str, Any] = {"value": preset}
        if scale["input"] == "keys":
            keys = list(self.resp["keys"]) or [str(k + 1) for k in range(len(points))]
            accepted = keys + [f"num_{k}" for k in keys if k.isdigit()]
            n = len(points)
            xs = [-half + 2 * half * k / max(n - 1, 1) for k in range(n)]
            size = min(0.09, 1.6 * half / n)
            cells = [self._box((x, y), size, size) for x in xs]
            numbers = [self._stim(f"{p:g}", (x, y), height=self.h) for p, x in zip(points, xs, strict=True)]
            hints = ([self._stim(key_label(k), (x, y + 0.08), height=self.h * 0.6)
                      for k, x in zip(keys, xs, strict=True)]
                     if [k for k in keys] != [f"{p:g}" for p in points] else [])

            def draw() -> None:
                for part in lay["parts"] + cells + numbers + hints + labels:
                    part.draw()

            if capture is not None:
                if preset is not None:
                    cells[points.index(preset)].lineColor = self.highlight
                    cells[points.index(preset)].lineWidth = 6
                draw()
                self.capture(capture)
                return Response(preset or lo, 0.0, "keyboard"), "", _no_confirm
            onset: dict[str, str] = {}
            self._start(onset)
            while True:
                draw()
                self.win.flip()
                for key, t in self.check_keys(accepted):
                    k = keys.index(key[4:] if key.startswith("num_") else key)
                    return (Response(points[k], t, "keyboard", key), onset.get("utc", ""),
                            functools.partial(self._flash, draw, cells[k]))
                t = self.click()
                if t is not None:
                    for k, cell in enumerate(cells):
                        if cell.contains(self.mouse):
                            return (Response(points[k], t, "mouse"), onset.get("utc", ""),
                                    functools.partial(self._flash, draw, cell))
        # slider: arrows move the marker one step (up/down: a tenth of the range), the continue
        # key or Enter confirms; a click on the line places the marker, a click on OK confirms
        line = self.visual.Line(self.win, start=(-half, y), end=(half, y), lineColor=self.color,
                                lineWidth=3)
        ticks = [self.visual.Line(self.win, start=(x, y - 0.02), end=(x, y + 0.02),
                                  lineColor=self.color, lineWidth=3) for x in (-half, half)]
        ends = [self._stim(f"{lo:g}", (-half, y + 0.05), height=self.h * 0.8),
                self._stim(f"{hi:g}", (half, y + 0.05), height=self.h * 0.8)]
        marker = self.visual.Rect(self.win, width=0.015, height=0.06, fillColor=self.highlight,
                                  lineColor=self.highlight)
        shown = self._stim("", (0, y + 0.1), height=self.h)
        ok_box = self._box((0, y - 0.2), 0.26, 0.07)
        ok = self._stim(f"OK ({key_label(self.resp['continue_key'])})", (0, y - 0.2),
                        height=self.h * 0.8)
        hit = self.visual.Rect(self.win, width=2 * half + 0.04, height=0.08, pos=(0, y))
        step = scale["step"]
        coarse = max(step, round((hi - lo) / 10 / step) * step)

        def to_x(v: float) -> float:
            return -half + 2 * half * (v - lo) / (hi - lo)

        def snap(v: float) -> float:
            return float(min(hi, max(lo, round(lo + round((v - lo) / step) * step, 10))))

        def draw_slider() -> None:
            for part in lay["parts"] + [line] + ticks + ends + labels:
                part.draw()
            if state["value"] is not None:
                marker.pos = (to_x(state["value"]), y)
                marker.draw()
                shown.text = f"{state['value']:g}"
                shown.pos = (to_x(state["value"]), y + 0.08)
                shown.draw()
                ok_box.draw()
                ok.draw()

        if capture is not None:
            draw_slider()
            self.capture(capture)
            return Response(preset or lo, 0.0, "keyboard"), "", _no_confirm
        onset = {}
        self._start(onset)
        moves = {"left": -step, "right": step, "down": -coarse, "up": coarse}
        confirm = [self.resp["continue_key"], "return"]
        while True:
            draw_slider()
            self.win.flip()
            for key, t in self.check_keys(list(moves) + confirm):
                if key in moves:
                    start = state["value"] if state["value"] is not None else snap((lo + hi) / 2)
                    state["value"] = snap(start + moves[key]) if state["value"] is not None else start
                elif state["value"] is not None:
                    return (Response(state["value"], t, "keyboard", key), onset.get("utc", ""),
                            _no_confirm)
            t = self.click()
            if t is not None:
                if state["value"] is not None and ok_box.contains(self.mouse):
                    return Response(state["value"], t, "mouse"), onset.get("utc", ""), _no_confirm
                if hit.contains(self.mouse):
                    x, _ = self.mouse.getPos()
                    state["value"] = snap(lo + (x + half) / (2 * half) * (hi - lo))

    def _flash(self, draw: Callable[[], None], cell: Any) -> None:
        cell.lineColor = self.highlight
        cell.lineWidth = 6
        self.wait(self.timing["confirm"], draw)
        cell.lineColor = self.color
        cell.lineWidth = 2


# --------------------------------------------------------------------------- sessions


def run_session(session: Session, *, fullscreen: bool = False,
                on_trial: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run an opened session's remaining trials in a PsychoPy window.

    Parameters
    ----------
    session
        An opened :class:`~cogalign.studies.session.Session`.
    fullscreen
        Open the window full screen.
    on_trial
        Called with each row written.

    Returns
    -------
    dict
        The session summary; ``status`` is ``"completed"``, or ``"stopped"`` after the quit key.
    """
    check_display()
    study = session.study
    texts = study.definition["text"]
    timing = study.definition["timing"]
    screen = None
    try:
        study.design.images()  # designs that draw their images make them now, before the window
        screen = _Screen(study, fullscreen=fullscreen)
        remaining = session.remaining
        if session.resumed:
            screen.message(texts["resume"])
        else:
            screen.message(study.instructions())
        if remaining and remaining[0].practice:
            screen.message(texts["practice_start"])
        previous: Trial | None = None
        for trial in remaining:
            if previous is not None and previous.practice and not trial.practice:
                screen.message(texts["practice_end"])
            elif trial.break_before and previous is not None:
                done = trial.index - session.n_practice
                session.event("break", before_trial=trial.index)
                screen.message(texts["break"].format(done=done, total=session.n_main))
            screen.fixation()
            row = _present(screen, session, trial)
            if on_trial is not None:
                on_trial(row)
            screen.blank(timing["iti"])
            previous = trial
        screen.message(texts["end"])
        return session.finish("completed")
    except StopSession:
        if not session.remaining:  # the quit key on the closing screen: nothing is missing
            return session.finish("completed")
        return session.finish("stopped", reason="quit key")
    except BaseException:
        session.close()
        raise
    finally:
        if screen is not None:
            screen.close()


def _present(screen: _Screen, session: Session, trial: Trial) -> dict[str, Any]:
    """Show one trial, write its row, then confirm (and give feedback)."""
    study = session.study
    timing = study.definition["timing"]
    if study.n_options == 0:
        response, onset, confirm = screen.rate(trial)
        row = session.record(trial, response, onset_utc=onset, response_utc=utc_now())
        confirm()
        return row
    response, onset, lay = screen.choose(trial)
    row = session.record(trial, response, onset_utc=onset, response_utc=utc_now())
    extra = []
    seconds = timing["confirm"]
    feedback = screen.feedback_stim(trial, response)
    if feedback is not None:
        extra = [feedback]
        seconds = max(seconds, timing["feedback"])
    screen.show_choice(lay, int(response.value), extra, seconds)
    return row


# --------------------------------------------------------------------------- screenshots


def take_screenshots(study: Study, folder: str | Path, *, participant: str = "demo",
                     session: int = 1) -> list[Path]:
    """Save a PNG of every kind of screen a participant sees.

    Nothing is written to the study's data folder: the screens are built from the trial list
    of ``participant`` (any id; it is not checked or recorded).

    Parameters
    ----------
    study
        The prepared study.
    folder
        Where the PNG files go (created if needed). Existing files are not replaced.
    participant, session
        Whose trial list to draw the example trials from.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order a participant sees the screens.
    """
    check_display()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    trials = study.trials(participant, session)
    main = [t for t in trials if not t.practice and not t.attention_check]
    practice = [t for t in trials if t.practice]
    checks = [t for t in trials if t.attention_check]
    texts = study.definition["text"]
    plan: list[tuple[str, Callable[[_Screen, Path], None]]] = [
        ("instructions", lambda s, p: s.message(study.instructions(), capture=p)),
    ]
    if practice:
        plan.append(("practice-start", lambda s, p: s.message(texts["practice_start"], capture=p)))
        plan.append(("practice-trial", lambda s, p: _trial_shot(s, study, practice[0], p)))
        plan.append(("practice-end", lambda s, p: s.message(texts["practice_end"], capture=p)))
    plan.append(("fixation", lambda s, p: _fixation_shot(s, p)))
    if main:
        plan.append(("trial", lambda s, p: _trial_shot(s, study, main[0], p)))
        plan.append(("trial-answered", lambda s, p: _trial_shot(s, study, main[0], p, answered=True)))
    if checks:
        plan.append(("attention-check", lambda s, p: _trial_shot(s, study, checks[0], p)))
    plan.append(("break", lambda s, p: s.message(
        texts["break"].format(done=len(main) // 2, total=len(trials) - len(practice)), capture=p)))
    plan.append(("end", lambda s, p: s.message(texts["end"], capture=p)))
    targets = [folder / f"{study.name}-{k + 1:02d}-{name}.png" for k, (name, _) in enumerate(plan)]
    existing = [t for t in targets if t.exists()]
    if existing:
        raise CogalignError(f"{existing[0]} exists; refusing to overwrite it (choose another --out)")
    study.design.images()
    screen = _Screen(study, fullscreen=False)
    try:
        for (_, shot), target in zip(plan, targets, strict=True):
            shot(screen, target)
    finally:
        screen.close()
    return targets


def _fixation_shot(screen: _Screen, path: Path) -> None:
    screen._stim("+", (0, 0), height=0.08).draw()
    screen.capture(path)


def _trial_shot(screen: _Screen, study: Study, trial: Trial, path: Path,
                answered: bool = False) -> None:
    if study.n_options == 0:
        points = study.scale_points()
        preset = points[len(points) // 2] if answered else None
        screen.rate(trial, capture=path, preset=preset)
        return
    lay = screen.layout(trial)
    if not answered:
        for part in lay["parts"]:
            part.draw()
        screen.capture(path)
        return
    response = Response(0, 0.8, "keyboard")
    feedback = screen.feedback_stim(trial, response)
    extra = [feedback] if feedback is not None else []
    screen.show_choice(lay, 0, extra, capture=path)


def find_xvfb() -> str | None:
    """The path of the ``Xvfb`` program, if installed."""
    return shutil.which("Xvfb")
