"""The one streaming pass over the samples: every figure audio QC needs, block by block.

Each block (a few seconds, channels first) updates, vectorised with numpy:

* K-weighted energy per 50 ms frame and channel, from BS.1770's two filters run over the samples
  with their state carried from block to block (see :mod:`validators.audio.kweighting`);
* band energies per 50 ms frame and channel (total, speech band, above the LFE cutoff), from one
  real FFT per frame (see :mod:`validators.audio.dsp`);
* a channel-by-channel product matrix per second, for correlation (duplicates, polarity);
* sample peak, clipped runs and true peak per channel.

True peak is the largest of the 4x-oversampled values and the samples themselves: the Annex 2
filter's phases fall an eighth of a sample either side of each sample and pass it at 0.97, so a
sample peak (a square wave's flat top) would otherwise read up to 0.25 dB low.

True peak oversamples only where it can matter: an oversampled value is at most
:data:`~validators.audio.dsp.TRUE_PEAK_L1` times the largest sample in its 12-sample window, so
windows whose samples all lie below ``true peak so far / L1`` are skipped. The figure is the same as
oversampling everything; the work is proportional to how much of the programme is near its peak.

Memory stays flat: a block, its spectrum, and the per-frame figures (a few floats per channel per
50 ms — about 15 MB for an hour of 5.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from validators.audio.dsp import TRUE_PEAK_L1, TRUE_PEAK_PHASES, band_weights
from validators.audio.kweighting import KWeighting

__all__ = ["FRAMES_PER_SECOND", "Measured", "Meter"]

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

FRAMES_PER_SECOND = 20
_TAPS = TRUE_PEAK_PHASES.shape[1]
_WINDOW_CHUNK = 1 << 18
#: Oversampling matrix: window (12 samples, oldest first) @ this → the 4 phases' outputs.
_OVERSAMPLE = np.ascontiguousarray(TRUE_PEAK_PHASES[:, ::-1].T).astype(np.float32)


@dataclass
class Measured:
    """What the pass measured, per channel (first axis) and over time."""

    rate: int
    frame: int
    frames_read: int
    #: Sum of squares per channel, 50 ms frame and band (see ``dsp.BAND_NAMES``).
    bands: F64
    #: Sum of squares of the K-weighted signal per channel and 50 ms frame (BS.1770-4).
    k_weighted: F64
    #: Channel × channel sums of products, one matrix per second.
    gram: F64
    peak: F64
    true_peak: F64
    true_peak_at: F64
    clip_runs: npt.NDArray[np.int64]
    clip_first: F64
    clip_last: F64


class Meter:
    """Feed it blocks in order with :meth:`feed`; :meth:`result` gives the :class:`Measured` figures."""

    def __init__(
        self,
        channels: int,
        rate: int,
        *,
        speech_band: tuple[float, float],
        lfe_cutoff: float,
        clip_level: float,
        clip_min_run: int,
    ) -> None:
        self.channels, self.rate = channels, rate
        self.frame = max(2, round(rate / FRAMES_PER_SECOND))
        self._weights = band_weights(rate, self.frame, speech_band, lfe_cutoff)
        self._clip_level, self._clip_run = clip_level, clip_min_run
        self._bands: list[F64] = []
        # Below MIN_RATE the shelf's corner is past Nyquist: no K-weighting, no loudness.
        self._k_filter = KWeighting(channels, rate, self.frame) if rate >= KWeighting.MIN_RATE else None
        self._k_weighted: list[F64] = []
        self._grams: list[F64] = []
        self._pending = np.zeros((channels, 0), dtype=np.float32)
        self.position = 0
        self._peak = np.zeros(channels)
        self._tp = np.zeros(channels)
        self._tp_at = np.zeros(channels)
        self._peak_at = np.zeros(channels)
        # Reused every block (fresh multi-megabyte arrays per block cost page faults): the
        # block with the previous block's last samples in front, the spectrum, its power.
        # Blocks are whole frames (4 s at rates divisible by 20), so no frame straddles two.
        self.block_frames = 4 * FRAMES_PER_SECOND * self.frame
        self._buffer = np.zeros((channels, _TAPS - 1 + self.block_frames), dtype=np.float32)
        shape = (channels, self.block_frames // self.frame, self.frame // 2 + 1)
        self._spectrum = np.empty(shape, dtype=np.complex64)
        self._power = np.empty(shape, dtype=np.float32)
        self._power_imag = np.empty(shape, dtype=np.float32)
        self._magnitude = np.empty(_TAPS - 1 + self.block_frames, dtype=np.float32)
        self._clip_tail = np.zeros((channels, max(clip_min_run - 1, 0)), dtype=bool)
        self._clip_open = np.zeros(channels, dtype=bool)
        self._clip_runs = np.zeros(channels, dtype=np.int64)
        self._clip_first = np.full(channels, -1.0)
        self._clip_last = np.full(channels, -1.0)

    def buffer(self) -> F32:
        """Where the next block goes: fill up to ``block_frames`` samples, then :meth:`feed_buffer`."""
        return self._buffer[:, _TAPS - 1 :]

    def feed_buffer(self, n: int) -> None:
        """Measure the first ``n`` samples written into :meth:`buffer`."""
        if n == 0:
            return
        block = self._buffer[:, _TAPS - 1 : _TAPS - 1 + n]
        highs = np.maximum(block.max(axis=1), -block.min(axis=1)).astype(np.float64)
        for channel in np.flatnonzero(highs > self._peak):
            self._peak_at[channel] = (self.position + int(np.argmax(np.abs(block[channel])))) / self.rate
        np.maximum(self._peak, highs, out=self._peak)
        if self._k_filter is not None:
            self._k_weighted.append(self._k_filter.energies(block))
        self._spectral(block)
        self._correlation(block)
        self._clipping(block, highs)
        self._true_peak(self._buffer[:, : _TAPS - 1 + n], highs)
        self._buffer[:, : _TAPS - 1] = self._buffer[:, n : n + _TAPS - 1].copy()
        self.position += n

    def feed(self, block: F32) -> None:
        """Measure the next ``(channels, n)`` block of any length (copied through the buffer)."""
        for start in range(0, block.shape[1], self.block_frames):
            part = block[:, start : start + self.block_frames]
            self.buffer()[:, : part.shape[1]] = part
            self.feed_buffer(part.shape[1])

    def result(self) -> Measured:
        """Everything measured so far (the last partial second counts for correlation)."""
        grams = list(self._grams)
        if self._pending.shape[1]:
            grams.append((self._pending @ self._pending.T).astype(np.float64)[None])
        empty_bands = np.zeros((self.channels, 0, self._weights.shape[1]))
        sample_wins = self._peak > self._tp
        return Measured(
            rate=self.rate,
            frame=self.frame,
            frames_read=self.position,
            bands=np.concatenate(self._bands, axis=1) if self._bands else empty_bands,
            k_weighted=(
                np.concatenate(self._k_weighted, axis=1) if self._k_weighted else np.zeros((self.channels, 0))
            ),
            gram=np.concatenate(grams) if grams else np.zeros((0, self.channels, self.channels)),
            peak=self._peak.copy(),
            true_peak=np.maximum(self._tp, self._peak),
            true_peak_at=np.where(sample_wins, self._peak_at, self._tp_at),
            clip_runs=self._clip_runs.copy(),
            clip_first=self._clip_first.copy(),
            clip_last=self._clip_last.copy(),
        )

    def _spectral(self, block: F32) -> None:
        whole = block.shape[1] // self.frame
        if whole == 0:
            return
        frames = block[:, : whole * self.frame].reshape(self.channels, whole, self.frame)
        if whole == self._spectrum.shape[1]:
            spectrum, power, imag = self._spectrum, self._power, self._power_imag
        else:  # the last, shorter block
            shape = (self.channels, whole, self._spectrum.shape[2])
            spectrum = np.empty(shape, np.complex64)
            power, imag = np.empty(shape, np.float32), np.empty(shape, np.float32)
        # numpy computes float32 FFTs in single precision; its type stubs only know complex128.
        np.fft.rfft(frames, axis=-1, out=spectrum)  # type: ignore[arg-type]
        np.square(spectrum.real, out=power)
        power += np.square(spectrum.imag, out=imag)
        self._bands.append((power @ self._weights).astype(np.float64))

    def _correlation(self, block: F32) -> None:
        data = np.concatenate([self._pending, block], axis=1) if self._pending.shape[1] else block
        seconds = data.shape[1] // self.rate
        if seconds:
            split = (
                data[:, : seconds * self.rate].reshape(self.channels, seconds, self.rate).transpose(1, 0, 2)
            )
            self._grams.append(np.matmul(split, split.transpose(0, 2, 1)).astype(np.float64))
        self._pending = np.array(data[:, seconds * self.rate :])

    def _clipping(self, block: F32, highs: F64) -> None:
        run = self._clip_run
        for channel in np.flatnonzero(highs >= self._clip_level):
            hot = np.abs(block[channel]) >= self._clip_level
            joined = np.concatenate([self._clip_tail[channel], hot])
            counts = np.concatenate([[0], np.cumsum(joined, dtype=np.int64)])
            full = (counts[run:] - counts[:-run]) == run
            starts = full & ~np.concatenate([[self._clip_open[channel]], full[:-1]])
            where = np.flatnonzero(starts) - (run - 1)  # a window is marked at its last sample
            if where.size:
                self._clip_runs[channel] += where.size
                first = (self.position + where[0]) / self.rate
                if self._clip_first[channel] < 0:
                    self._clip_first[channel] = max(first, 0.0)
                self._clip_last[channel] = (self.position + where[-1]) / self.rate
            self._clip_open[channel] = bool(full[-1]) if full.size else False
        if run > 1:
            self._clip_tail = np.abs(block[:, -(run - 1) :]) >= self._clip_level
        self._clip_open &= highs >= self._clip_level

    def _true_peak(self, extended: F32, highs: F64) -> None:
        """``extended`` is the block with the previous block's last 11 samples in front."""
        n = extended.shape[1] - (_TAPS - 1)
        for channel in range(self.channels):
            if highs[channel] * TRUE_PEAK_L1 <= self._tp[channel]:
                continue
            signal = extended[channel]
            magnitude = np.abs(signal, out=self._magnitude[: signal.size])
            loudest = int(np.argmax(magnitude))
            self._update_peak(channel, signal, _windows_around(np.array([loudest]), n))
            threshold = self._tp[channel] / TRUE_PEAK_L1
            self._update_peak(channel, signal, _windows_around(np.flatnonzero(magnitude > threshold), n))

    def _update_peak(self, channel: int, signal: F32, starts: npt.NDArray[np.intp]) -> None:
        offsets = np.arange(_TAPS)
        for begin in range(0, starts.size, _WINDOW_CHUNK):
            chunk = starts[begin : begin + _WINDOW_CHUNK]
            values = np.abs(signal[chunk[:, None] + offsets] @ _OVERSAMPLE)
            best = int(np.argmax(values))
            value = float(values.flat[best])
            if value > self._tp[channel]:
                self._tp[channel] = value
                at = self.position + int(chunk[best // values.shape[1]]) - _TAPS // 2
                self._tp_at[channel] = max(at, 0) / self.rate


def _windows_around(samples: npt.NDArray[np.intp], n: int) -> npt.NDArray[np.intp]:
    """Start indices of the 12-sample windows (over tail + block) that contain any of ``samples``."""
    needed = np.zeros(n, dtype=bool)
    for shift in range(_TAPS):
        starts = samples - shift
        needed[starts[(starts >= 0) & (starts < n)]] = True
    return np.flatnonzero(needed)
