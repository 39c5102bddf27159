"""BS.1770-4 K-weighting as the Recommendation defines it: two biquads run over the samples in time.

The Recommendation tabulates the two filters for 48 kHz only — a high-shelf pre-filter (about +4 dB
above 2 kHz, modelling the head) and the RLB high-pass (about 38 Hz) — and asks other sample rates
for the same response. Both are designed here from their analogue prototypes (centre frequency,
Q, shelf gain) with the bilinear transform, the frequency pre-warped so that the corner lands where
the prototype puts it. At 48 kHz this gives the tabulated coefficients (to 1e-8).

The tabulated high-pass has the numerator ``1, −2, 1`` rather than the prototype's unity passband
gain, so its passband sits +0.043 dB above 0 dB; the −0.691 dB of the loudness formula is calibrated
with that gain. The high-pass here keeps the 48 kHz passband gain at every rate, so a tone reads
the same loudness at 44.1, 48 or 96 kHz.

:class:`KWeighting` filters block after block with the filters' state carried across, so a file read
in chunks measures exactly as if it were filtered whole, and returns only what gating needs: the sum
of squares of the weighted signal per channel and frame.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["KWeighting", "k_weighting_sos"]

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

# Analogue prototypes of the two stages (the parameters that reproduce the 48 kHz table).
_SHELF_F0_HZ = 1681.974450955533
_SHELF_GAIN_DB = 3.999843853973347
_SHELF_Q = 0.7071752369554196
#: The shelf's band-pass term scales with the gain to this power (the prototype's Vb = Vh^x).
_SHELF_VB_EXPONENT = 0.4996667741545416
_HIGH_PASS_F0_HZ = 38.13547087602444
_HIGH_PASS_Q = 0.5003270373238773
_TABLE_RATE = 48_000


def _prewarped(f0: float, rate: int) -> float:
    """The bilinear transform's ``K = tan(π f0 / fs)``: maps the analogue corner onto the digital one."""
    return math.tan(math.pi * f0 / rate)


def _high_shelf(rate: int) -> F64:
    """Pre-filter ``b0 b1 b2 1 a1 a2`` from ``(Vh s² + Vb (ω0/Q) s + ω0²) / (s² + (ω0/Q) s + ω0²)``."""
    k, q = _prewarped(_SHELF_F0_HZ, rate), _SHELF_Q
    vh = 10 ** (_SHELF_GAIN_DB / 20)
    vb = vh**_SHELF_VB_EXPONENT
    a0 = 1 + k / q + k * k
    b = [vh + vb * k / q + k * k, 2 * (k * k - vh), vh - vb * k / q + k * k]
    a = [a0, 2 * (k * k - 1), 1 - k / q + k * k]
    return np.array([*b, *a]) / a0


def _high_pass_a0(rate: int) -> float:
    k = _prewarped(_HIGH_PASS_F0_HZ, rate)
    return 1 + k / _HIGH_PASS_Q + k * k


def _high_pass(rate: int) -> F64:
    """RLB ``b0 b1 b2 1 a1 a2`` from ``s² / (s² + (ω0/Q) s + ω0²)``, at the 48 kHz table's passband gain."""
    k, q = _prewarped(_HIGH_PASS_F0_HZ, rate), _HIGH_PASS_Q
    a0 = _high_pass_a0(rate)
    gain = _high_pass_a0(_TABLE_RATE)  # the table's 1, −2, 1 is the unity-gain numerator times this
    b = np.array([1.0, -2.0, 1.0]) * gain / a0
    a = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0])
    return np.concatenate([b, a])


def k_weighting_sos(rate: int) -> F64:
    """The two stages as second-order sections (one row each, ``b0 b1 b2 a0 a1 a2``), shelf first."""
    if rate < KWeighting.MIN_RATE:
        raise ValueError(f"sample rate {rate} Hz is too low for K-weighting")
    return np.stack([_high_shelf(rate), _high_pass(rate)])


class KWeighting:
    """Streams blocks through the two filters, state carried, and sums the squares per frame.

    The filters run in double precision: the high-pass's poles sit within 0.5 % of 1 at 48 kHz (closer
    at higher rates), where single precision would shift the level of low tones by a few hundredths
    of a dB.
    """

    #: The lowest rate the filters are designed for (the shelf's 1.7 kHz corner needs room below Nyquist).
    MIN_RATE = 8_000

    def __init__(self, channels: int, rate: int, frame: int) -> None:
        # Imported when a meter is built, not with the package: scipy.signal costs about 80 MB of
        # memory and half a second to import, which processes that only read findings need not pay.
        from scipy.signal import sosfilt

        self._sosfilt = sosfilt
        self.frame = frame
        self._sos = k_weighting_sos(rate)
        self._state = np.zeros((self._sos.shape[0], channels, 2))

    def energies(self, block: F32) -> F64:
        """Sum of squares of the weighted ``(channels, n)`` block per whole frame: ``(channels, n // frame)``.

        Samples after the last whole frame still pass through the filters (their state carries on),
        but their energy is not returned; callers feed blocks of whole frames except at the end.
        """
        weighted, self._state = self._sosfilt(self._sos, block, axis=-1, zi=self._state)
        whole = block.shape[1] // self.frame
        frames = np.asarray(weighted[:, : whole * self.frame], dtype=np.float64)
        frames = frames.reshape(block.shape[0], whole, self.frame)
        return np.asarray(np.einsum("cfn,cfn->cf", frames, frames))
