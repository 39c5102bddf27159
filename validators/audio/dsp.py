"""Signal-processing constants and responses for the one-pass audio measurement.

Band energies are measured from 50 ms frames with numpy alone. Power in a band is read off each
frame's spectrum (Parseval: the mean square of a band-limited frame is the sum of the squared
magnitudes of its spectrum in the band), so the LFE's high band and the speech band come out of one
FFT per frame. These bands only classify channels; loudness is not measured this way (a filter's
gain applied per frame misreads low tones by up to 1.8 LU) but with the Recommendation's filters
run in time (:mod:`validators.audio.kweighting`).

True peak follows BS.1770 Annex 2: 4x oversampling with the Recommendation's 48-tap interpolation
filter, as four 12-tap phases.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "BAND_NAMES",
    "TRUE_PEAK_L1",
    "TRUE_PEAK_PHASES",
    "band_weights",
]

FloatArray = npt.NDArray[np.float64]

#: The bands measured per frame, in the column order of :func:`band_weights`.
BAND_NAMES = ("total", "speech", "above_lfe_cutoff")

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
    speech = (freqs >= speech_band[0]) & (freqs <= speech_band[1])
    above = freqs > lfe_cutoff
    columns = [np.ones_like(freqs), speech.astype(float), above.astype(float)]
    weights = np.stack(columns, axis=1) * parseval[:, None]
    return np.asarray(weights, dtype=np.float32)
