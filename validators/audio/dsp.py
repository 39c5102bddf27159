"""Signal-processing constants and responses for the one-pass audio measurement.

Everything is measured from 50 ms frames with numpy alone. Power in a band is read off each frame's
spectrum (Parseval: the mean square of a filtered frame is the sum of the squared magnitudes of its
spectrum times the filter's squared gain), so the K-weighting of BS.1770, the LFE's high band and
the speech band all come out of one FFT per frame. For loudness this is the filter's power gain
applied to each frame's spectrum; it differs from running the two biquads in the time domain only
by how a frame's edges wrap, which averages out over the 400 ms blocks that are gated.

True peak follows BS.1770 Annex 2: 4x oversampling with the Recommendation's 48-tap interpolation
filter, as four 12-tap phases.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = [
    "BAND_NAMES",
    "TRUE_PEAK_L1",
    "TRUE_PEAK_PHASES",
    "band_weights",
    "k_weighting_biquads",
]

FloatArray = npt.NDArray[np.float64]

#: The bands measured per frame, in the column order of :func:`band_weights`.
BAND_NAMES = ("total", "k_weighted", "speech", "above_lfe_cutoff")

#: BS.1770 Annex 2 interpolation filter, one row per output phase (12 taps each).
TRUE_PEAK_PHASES: FloatArray = np.array(
    [
        [0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875,
         0.1373291015625, 0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250,
         0.0148925781250, -0.0083007812500],
        [-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500,
         0.4650878906250, 0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625,
         0.0330810546875, -0.0189208984375],
        [-0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000, -0.2003173828125,
         0.7797851562500, 0.4650878906250, -0.1665039062500, 0.0891113281250, -0.0517578125000,
         0.0292968750000, -0.0291748046875],
        [-0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750, -0.1022949218750,
         0.9721679687500, 0.1373291015625, -0.0594482421875, 0.0332031250000, -0.0196533203125,
         0.0109863281250, 0.0017089843750],
    ]
)  # fmt: skip

#: The largest gain any phase can give: an oversampled value never exceeds this times the
#: largest sample in its 12-sample window, which lets the meter skip windows that cannot matter.
TRUE_PEAK_L1 = float(np.abs(TRUE_PEAK_PHASES).sum(axis=1).max())

# BS.1770's K-weighting as analogue prototypes (shelf, then the RLB high-pass); at 48 kHz the
# bilinear transform below gives the Recommendation's tabulated coefficients.
_SHELF_F0, _SHELF_GAIN_DB, _SHELF_Q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
_HP_F0, _HP_Q = 38.13547087602444, 0.5003270373238773


def k_weighting_biquads(rate: int) -> list[tuple[FloatArray, FloatArray]]:
    """The two K-weighting biquads ``(b, a)`` for a sample rate."""
    k = math.tan(math.pi * _SHELF_F0 / rate)
    vh = 10 ** (_SHELF_GAIN_DB / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / _SHELF_Q + k * k
    shelf_b = np.array([vh + vb * k / _SHELF_Q + k * k, 2 * (k * k - vh), vh - vb * k / _SHELF_Q + k * k])
    shelf_a = np.array([a0, 2 * (k * k - 1), 1 - k / _SHELF_Q + k * k])
    k = math.tan(math.pi * _HP_F0 / rate)
    hp_a0 = 1 + k / _HP_Q + k * k
    hp_b = np.array([1.0, -2.0, 1.0])
    hp_a = np.array([1.0, 2 * (k * k - 1) / hp_a0, (1 - k / _HP_Q + k * k) / hp_a0])
    return [(shelf_b / a0, shelf_a / a0), (hp_b, hp_a)]


def _power_response(b: FloatArray, a: FloatArray, freqs: FloatArray, rate: int) -> FloatArray:
    z = np.exp(-2j * np.pi * freqs / rate)
    numerator = b[0] + b[1] * z + b[2] * z * z
    denominator = a[0] + a[1] * z + a[2] * z * z
    return np.asarray(np.abs(numerator / denominator) ** 2, dtype=np.float64)


def band_weights(
    rate: int, frame: int, speech_band: tuple[float, float], lfe_cutoff: float
) -> npt.NDArray[np.float32]:
    """Weights that turn a frame's squared spectrum into the sum of squares of each band.

    Columns follow :data:`BAND_NAMES`. Parseval for a real FFT of even length ``frame``: the sum of
    squares is ``(|X0|² + 2·Σ|Xk|² + |X_{N/2}|²) / N``.
    """
    freqs = np.asarray(np.fft.rfftfreq(frame, 1 / rate), dtype=np.float64)
    parseval = np.full(freqs.size, 2.0 / frame)
    parseval[0] = 1.0 / frame
    if frame % 2 == 0:
        parseval[-1] = 1.0 / frame
    k_gain: FloatArray = np.ones(freqs.size, dtype=np.float64)
    for b, a in k_weighting_biquads(rate):
        k_gain *= _power_response(b, a, freqs, rate)
    speech = (freqs >= speech_band[0]) & (freqs <= speech_band[1])
    above = freqs > lfe_cutoff
    columns = [np.ones_like(freqs), k_gain, speech.astype(float), above.astype(float)]
    weights = np.stack(columns, axis=1) * parseval[:, None]
    return np.asarray(weights, dtype=np.float32)
