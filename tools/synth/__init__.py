"""Synthetic test videos with exact ground truth (issue 4).

An Anny parametric body (``body``) is posed through each test's movement (``motions``),
rendered headless on the CPU with moderngl (``camera``, ``render``), encoded to H.264 and
written with its truth (``clip``, ``truth``).  ``make_samples`` makes the committed
``sample_videos/``; ``make_set`` renders varied benchmark sets into ``.cache/synth/``.

Everything but ``groundtruth`` and ``truth`` needs the generator's own venv
(``tools/synth/requirements.txt``: torch, anny, moderngl); rom never imports this package.
"""
