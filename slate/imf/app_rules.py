"""Application rules on essence descriptors: App 2E (ST 2067-21), IAB (ST 2067-201), ISXD
(ST 2067-202), MGA S-ADM (ST 2067-203) and App 5 ACES (ST 2067-50).

The rules read the descriptors the CPL carries; they never open the MXF files. SMPTE labels (ULs)
are compared without their version byte, as the registries intend.
"""

from __future__ import annotations

from fractions import Fraction

from slate.imf.findings import Findings, Level
from slate.imf.models import Composition, EssenceDescriptor, Node

__all__ = ["check_applications", "ul"]

_J2K = "060e2b3404010100040102020301"
_COLOR_PRIMARIES = {
    "03010000": "170M",
    "03020000": "470PAL",
    "03030000": "709",
    "03040000": "2020",
    "03060000": "P3D65",
}
_TRANSFER = {"01020000": "709", "01080000": "xvYCC", "01090000": "2020", "010a0000": "PQ", "010b0000": "HLG"}
_CODING = {"02010000": "601", "02020000": "709", "02060000": "2020NCL"}
#: (primaries, transfer, coding equations) of the App 2E colour systems.
_COLOR_SYSTEMS = {
    ("470PAL", "709", "601"),
    ("170M", "709", "601"),
    ("709", "709", "709"),
    ("709", "xvYCC", "709"),
    ("2020", "2020", "2020NCL"),
    ("P3D65", "2020", None),
    ("P3D65", "PQ", None),
    ("2020", "PQ", "2020NCL"),
    ("2020", "HLG", "2020NCL"),
}
_FRAME_RATES = {
    Fraction(n, d)
    for n, d in [
        (24, 1),
        (24000, 1001),
        (25, 1),
        (30, 1),
        (30000, 1001),
        (48, 1),
        (50, 1),
        (60, 1),
        (60000, 1001),
        (120, 1),
    ]
}
_RGB_CODES = ["CompRed", "CompGreen", "CompBlue"]
_YUV_CODES = ["CompLuma", "CompColorDifferenceU", "CompColorDifferenceV"]
_FILLER_CODES = {"CompNull", "CompFill", "CompAlpha"}
_IAB_CONTAINER = "060e2b340401010d0d010301021d0101"
#: ST 377-41 MCA Content symbols and the Use Classes each may pair with.
_MCA_CONTENT = {
    "PRM": {"FCMP", "SMPL"},
    "SAP": {"FCMP", "SMPL"},
    "HI": {"FCMP"},
    "DV": {"FCMP"},
    "CM": {"FCMP", "SING"},
    "DX": {"ICMP", "SMPL"},
    "MX": {"ICMP", "SMPL"},
    "FX": {"ICMP", "SMPL"},
    "FFX": {"ICMP", "SMPL"},
    "ME": {"ICMP", "SMPL"},
    "OP": {"ICMP", "SMPL"},
    "MESP": {"ICMP", "SMPL"},
    "DME": {"ICMP", "SMPL"},
    "NDME": {"ICMP", "SMPL"},
    "PNAR": {"SING"},
    "ONAR": {"SING"},
    "LCM": {"SING"},
    "VO": {"SING"},
    "VI": {"SING"},
    "MOS": {"FCMP", "SMPL"},
    "ADR": {"ICMP"},
    "GRP": {"ICMP"},
    "CRD": {"ICMP"},
    "WLA": {"ICMP"},
    "VOC": {"ICMP", "SMPL"},
    "FOL": {"ICMP"},
    "BG": {"ICMP"},
}
_USE_CLASSES = {"FCMP", "SMPL", "ICMP", "SING"}


def ul(text: str | None) -> str:
    """A UL as 32 lower-case hex digits with its version byte zeroed ('' when malformed)."""
    digits = "".join(c for c in (text or "").lower().removeprefix("urn:smpte:ul:") if c in "0123456789abcdef")
    return digits[:14] + "00" + digits[16:] if len(digits) == 32 else ""


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.strip().isdigit() else None


def _rate(text: str | None) -> Fraction | None:
    parts = (text or "").replace("/", " ").split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[1]) == 0:
        return None
    return Fraction(int(parts[0]), int(parts[1]))


def _sub(node: Node, name: str) -> list[Node]:
    subs = node.find("SubDescriptors")
    return [c for c in subs.children if c.name == name] if subs is not None else []


def _descriptors_of(composition: Composition, kind: str, by_id: dict[str, EssenceDescriptor]) -> list[Node]:
    """The descriptors that the resources of sequences named ``kind`` reference, once each."""
    seen: dict[str, Node] = {}
    for segment in composition.segments:
        for sequence in segment.sequences:
            if sequence.kind != kind:
                continue
            for resource in sequence.resources:
                found = by_id.get(resource.source_encoding or "")
                if found is not None and found.descriptor is not None:
                    seen[found.id] = found.descriptor
    return list(seen.values())


# --- App 2E ---------------------------------------------------------------------------------------


def _j2k_profile_ok(coding: str, width: int, height: int, ht_allowed: bool) -> bool:
    family, profile = coding[28:30], coding[30:32]
    if family == "08":
        return ht_allowed
    if family == "03":
        return 2048 < width <= 4096 and height <= 3112
    if family == "02":
        return width <= 2048 and height <= 1556
    if family == "01" and profile in {"11", "12", "13", "14", "15", "16", "17"}:
        return width <= 3840 and height <= 2160
    return False


def _check_codec(node: Node, ht_allowed: bool, out: Findings) -> None:
    coding = ul(node.value("PictureCompression"))
    if not coding.startswith(_J2K):
        out.add(
            "IMF_APP2E_CODEC",
            f"image coding {node.value('PictureCompression')} is not JPEG 2000",
            Level.FATAL,
        )
        return
    width, height = _int(node.value("StoredWidth")) or 0, _int(node.value("StoredHeight")) or 0
    if not _j2k_profile_ok(coding, width, height, ht_allowed):
        out.add(
            "IMF_APP2E_J2K_PROFILE",
            f"JPEG 2000 profile {node.value('PictureCompression')} is not "
            f"allowed for a {width}x{height} image in this application",
        )
    j2k = _sub(node, "JPEG2000SubDescriptor")
    if coding[28:30] == "08" and j2k:
        _check_ht_precincts(j2k[0].value("CodingStyleDefault") or "", out)


def _check_ht_precincts(cod: str, out: Findings) -> None:
    """HTJ2K (App 2E 5th ed.): precincts 128x128 for the N_L LL band, 256x256 above."""
    try:
        raw = bytes.fromhex(cod)
    except ValueError:
        out.add("IMF_APP2E_J2K_CODING", f"CodingStyleDefault {cod!r} is not hexadecimal")
        return
    if len(raw) < 10 or not raw[0] & 1 or not raw[8] & 0x40:
        return
    levels, precincts = raw[5], raw[10:]
    if len(precincts) != levels + 1 or precincts[0] != 0x77 or any(p != 0x88 for p in precincts[1:]):
        out.add(
            "IMF_APP2E_J2K_PRECINCTS",
            f"HTJ2K precinct sizes {precincts.hex()} are not 77 for the N_L "
            "LL band and 88 for every other resolution",
        )


def _check_color(node: Node, yuv: bool, out: Findings) -> None:
    primaries = _COLOR_PRIMARIES.get(ul(node.value("ColorPrimaries"))[24:32])
    transfer = _TRANSFER.get(ul(node.value("TransferCharacteristic"))[24:32])
    coding = _CODING.get(ul(node.value("CodingEquations"))[24:32]) if yuv else None
    systems = {(p, t) for p, t, _ in _COLOR_SYSTEMS} if not yuv else {(p, t, c) for p, t, c in _COLOR_SYSTEMS}
    key: tuple[str | None, ...] = (primaries, transfer, coding) if yuv else (primaries, transfer)
    if key not in systems:
        out.add(
            "IMF_APP2E_COLOR",
            f"colour primaries {node.value('ColorPrimaries')}, transfer "
            f"{node.value('TransferCharacteristic')} and coding {node.value('CodingEquations')} form no "
            "colour system of the application",
        )


def _check_layout(node: Node, yuv: bool, out: Findings) -> int | None:
    """The J2CLayout's component depth, after checking it names the colour model's components."""
    j2k = _sub(node, "JPEG2000SubDescriptor")
    if not j2k:
        out.add("IMF_APP2E_J2K_SUBDESCRIPTOR", "the image descriptor has no JPEG2000SubDescriptor")
        return None
    layout = j2k[0].find("J2CLayout")
    if layout is None:
        out.add("IMF_APP2E_J2C_LAYOUT", "the JPEG2000SubDescriptor has no J2CLayout")
        return None
    components = [c for c in layout.children if c.name == "RGBAComponent"]
    if not components or len(components) != len(layout.children):
        out.add("IMF_APP2E_J2C_LAYOUT", "the J2CLayout holds no RGBAComponent, or other elements")
        return None
    codes = [c.value("Code") for c in components]
    sizes = [_int(c.value("ComponentSize")) for c in components]
    expected = _YUV_CODES if yuv else _RGB_CODES
    if codes[:3] != expected or any(c not in _FILLER_CODES for c in codes[3:]):
        out.add("IMF_APP2E_J2C_LAYOUT", f"J2CLayout components {codes} are not {expected} then fillers")
    depths = {s for s, c in zip(sizes, codes, strict=True) if c in expected}
    if None in sizes or len(depths) != 1 or not depths <= {8, 10, 12, 16}:
        out.add(
            "IMF_APP2E_J2C_LAYOUT", f"J2CLayout component sizes {sizes} are not one depth of 8, 10, 12, 16"
        )
        return None
    return depths.pop()


def _check_quantization(node: Node, yuv: bool, depth: int, out: Findings) -> None:
    narrow = (16 << (depth - 8), 235 << (depth - 8))
    full = (0, (1 << depth) - 1)
    low_name, high_name = (
        ("BlackRefLevel", "WhiteRefLevel") if yuv else ("ComponentMinRef", "ComponentMaxRef")
    )
    low, high = _int(node.value(low_name)), _int(node.value(high_name))
    if low is None or high is None:
        out.add("IMF_APP2E_QUANTIZATION", f"the image descriptor lacks {low_name} or {high_name}")
    elif (low, high) not in {narrow, full} and not (yuv and (low, high) == (narrow[0], 240 << (depth - 8))):
        out.add(
            "IMF_APP2E_QUANTIZATION",
            f"{low_name} {low} / {high_name} {high} fit neither narrow nor full range at {depth} bits",
        )


def _check_image(node: Node, ht_allowed: bool, out: Findings) -> None:
    yuv = node.name == "CDCIDescriptor"
    _check_codec(node, ht_allowed, out)
    _check_color(node, yuv, out)
    if yuv and (node.value("HorizontalSubsampling"), node.value("VerticalSubsampling")) not in {
        ("1", "1"),
        ("2", "1"),
    }:
        out.add(
            "IMF_APP2E_SAMPLING",
            f"subsampling {node.value('HorizontalSubsampling')}/"
            f"{node.value('VerticalSubsampling')} is neither 4:4:4 nor 4:2:2",
        )
    if _rate(node.value("SampleRate")) not in _FRAME_RATES:
        out.add("IMF_APP2E_FRAME_RATE", f"frame rate {node.value('SampleRate')} is not allowed")
    depth = _check_layout(node, yuv, out)
    if depth is not None:
        _check_quantization(node, yuv, depth, out)


# --- Audio and data plug-ins -----------------------------------------------------------------------


def _check_mca(label: Node, out: Findings, level: Level) -> None:
    content, use = label.value("MCAContent"), label.value("MCAUseClass")
    if content is None:
        out.add("IMF_MCA_CONTENT_ABSENT", f"{label.name} has no MCAContent / MCAUseClass", Level.WARNING)
        return
    if content not in _MCA_CONTENT and not content.startswith("x-"):
        out.add("IMF_MCA_CONTENT", f"MCAContent {content!r} is not an ST 377-41 symbol", level)
    if use is None:
        out.add("IMF_MCA_USE_CLASS", f"MCAContent {content} has no MCAUseClass", level)
    elif use not in _USE_CLASSES:
        out.add("IMF_MCA_USE_CLASS", f"MCAUseClass {use!r} is not an ST 377-41 symbol", level)
    elif content in _MCA_CONTENT and use not in _MCA_CONTENT[content]:
        out.add("IMF_MCA_COMBINATION", f"MCAContent {content} with MCAUseClass {use} is not permitted", level)


def _check_iab(node: Node, out: Findings) -> None:
    if ul(node.value("ContainerFormat")) != ul(_IAB_CONTAINER):
        out.add(
            "IMF_IAB_CONTAINER",
            f"IAB ContainerFormat {node.value('ContainerFormat')} is not the IAB "
            "clip-wrapped essence container",
        )
    if node.find("Codec") is not None:
        out.add("IMF_IAB_CODEC", "the IAB descriptor carries a Codec item")
    if node.value("QuantizationBits") != "24":
        out.add("IMF_IAB_BIT_DEPTH", f"IAB QuantizationBits {node.value('QuantizationBits')}, 24 required")
    if node.find("AudioSampleRate") is None:
        out.add("IMF_IAB_SAMPLE_RATE", "the IAB descriptor has no AudioSampleRate")
    labels = _sub(node, "IABSoundfieldLabelSubDescriptor")
    for forbidden in ("SoundfieldGroupLabelSubDescriptor", "AudioChannelLabelSubDescriptor"):
        if _sub(node, forbidden):
            out.add("IMF_IAB_SUBDESCRIPTOR", f"the IAB descriptor carries a {forbidden}")
    if not labels:
        out.add("IMF_IAB_SUBDESCRIPTOR", "the IAB descriptor has no IABSoundfieldLabelSubDescriptor")
    for label in labels:
        _check_mca(label, out, Level.ERROR)


def _check_isxd(node: Node, out: Findings) -> None:
    if not _sub(node, "ContainerConstraintsSubDescriptor"):
        out.add("IMF_ISXD_SUBDESCRIPTOR", "the ISXD descriptor has no ContainerConstraintsSubDescriptor")


def _check_sadm(node: Node, out: Findings) -> None:
    if node.value("QuantizationBits") != "24":
        out.add("IMF_SADM_BIT_DEPTH", f"MGA QuantizationBits {node.value('QuantizationBits')}, 24 required")
    for label in _sub(node, "MGASoundfieldGroupLabelSubDescriptor"):
        for required in ("MCATagName", "MCATagSymbol"):
            if label.find(required) is None:
                out.add("IMF_SADM_LABEL", f"an MGA soundfield group label lacks {required}")
        if label.find("MCATitle") is None:
            out.add("IMF_SADM_LABEL", "an MGA soundfield group label lacks MCATitle", Level.WARNING)
        _check_mca(label, out, Level.WARNING)


def _check_sadm_tracks(composition: Composition, out: Findings) -> None:
    signal = {t for t, seqs in composition.tracks().items() if seqs[0].kind == "MGASADMSignalSequence"}
    for track in composition.sadm_parameter_tracks:
        if track not in signal:
            out.add(
                "IMF_SADM_PARAMETERS", f"MGASADMVirtualTrackParameterSet names {track}, no MGA S-ADM track"
            )
    for track in sorted(signal - set(composition.sadm_parameter_tracks)):
        out.add(
            "IMF_SADM_PARAMETERS", f"MGA S-ADM virtual track {track} has no MGASADMVirtualTrackParameterSet"
        )


def check_applications(composition: Composition, by_id: dict[str, EssenceDescriptor], out: Findings) -> None:
    """Add findings for the rules of each application and plug-in the composition uses."""
    apps = " ".join(composition.applications)
    if "2067-21" in apps:
        ht_allowed = "2067-21/2021" in apps or "2067-21/5ED" in apps
        for node in _descriptors_of(composition, "MainImageSequence", by_id):
            if node.name in {"RGBADescriptor", "CDCIDescriptor"}:
                _check_image(node, ht_allowed, out)
    if "2067-50" in apps:
        for node in _descriptors_of(composition, "MainImageSequence", by_id):
            if not _sub(node, "ContainerConstraintsSubDescriptor"):
                out.add(
                    "IMF_APP5_SUBDESCRIPTOR",
                    "an App 5 image descriptor has no ContainerConstraintsSubDescriptor",
                    Level.WARNING,
                )
    for node in _descriptors_of(composition, "IABSequence", by_id):
        _check_iab(node, out)
    for node in _descriptors_of(composition, "ISXDSequence", by_id):
        _check_isxd(node, out)
    for node in _descriptors_of(composition, "MGASADMSignalSequence", by_id):
        _check_sadm(node, out)
    _check_sadm_tracks(composition, out)
