"""Small IMF packages written by hand for the tests: ASSETMAP, PKL and CPL as XML text.

The XML is spelled out here rather than produced by Slate's own writer, so the reader and the
validator are tested against documents Slate did not make. Essence is either real MXF made by
ffmpeg (for ``ffprobe -f imf``) or a few bytes (when only sizes and hashes matter).
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

AM = "http://www.smpte-ra.org/schemas/429-9/2007/AM"
PKL = "http://www.smpte-ra.org/schemas/2067-2/2016/PKL"
CPL = "http://www.smpte-ra.org/schemas/2067-3/2016"
CC = "http://www.smpte-ra.org/ns/2067-2/2020"
CC2016 = "http://www.smpte-ra.org/schemas/2067-2/2016"
APP2E = "http://www.smpte-ra.org/ns/2067-21/2021"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"


def urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def sha1_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha1(data).digest()).decode()


def make_video_mxf(path: Path, frames: int, rate: int = 24) -> Path:
    """A real JPEG 2000 MXF of ``frames`` frames, made by ffmpeg."""
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=160x120:rate={rate}",
            "-frames:v",
            str(frames),
            "-c:v",
            "jpeg2000",
            "-pix_fmt",
            "rgb24",
            "-f",
            "mxf",
            str(path),
        ],
        check=True,
    )
    return path


def make_audio_mxf(path: Path, seconds: float) -> Path:
    """A real 48 kHz PCM OP-Atom MXF of ``seconds``, made by ffmpeg."""
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000",
            "-t",
            str(seconds),
            "-ac",
            "1",
            "-c:a",
            "pcm_s24le",
            "-f",
            "mxf_opatom",
            str(path),
        ],
        check=True,
    )
    return path


@dataclass
class Track:
    """One virtual track: a sequence kind, its essence file and each resource's timing."""

    kind: str
    essence: Path
    edit_rate: tuple[int, int]
    intrinsic: int
    entry: int = 0
    duration: int | None = None
    track_id: str = field(default_factory=urn)
    file_id: str = field(default_factory=urn)
    descriptor_id: str = field(default_factory=urn)


IMAGE_DESCRIPTOR = """<r0:RGBADescriptor xmlns:r0="http://www.smpte-ra.org/reg/395/2014/13/1/aaf"
 xmlns:r1="http://www.smpte-ra.org/reg/335/2012" xmlns:r2="http://www.smpte-ra.org/reg/2003/2012">
 <r1:InstanceID>{instance}</r1:InstanceID><r1:SampleRate>{rate}</r1:SampleRate>
 <r1:StoredWidth>160</r1:StoredWidth><r1:StoredHeight>120</r1:StoredHeight>
 <r1:VideoLineMap><r2:Int32>0</r2:Int32><r2:Int32>0</r2:Int32></r1:VideoLineMap>
</r0:RGBADescriptor>"""
AUDIO_DESCRIPTOR = """<r0:WAVEPCMDescriptor xmlns:r0="http://www.smpte-ra.org/reg/395/2014/13/1/aaf"
 xmlns:r1="http://www.smpte-ra.org/reg/335/2012"><r1:InstanceID>{instance}</r1:InstanceID>
 <r1:SampleRate>48000/1</r1:SampleRate><r1:QuantizationBits>24</r1:QuantizationBits>
 <r1:RFC5646SpokenLanguage>{language}</r1:RFC5646SpokenLanguage></r0:WAVEPCMDescriptor>"""


def cpl_xml(
    cpl_id: str,
    rate: tuple[int, int],
    tracks: list[Track],
    core: str = CC,
    language: str = "en",
    app: str | None = None,
) -> str:
    """A one-segment CPL playing each track's resource."""
    descriptors = "".join(
        f"<EssenceDescriptor><Id>{t.descriptor_id}</Id>"
        + (IMAGE_DESCRIPTOR if t.kind == "MainImageSequence" else AUDIO_DESCRIPTOR).format(
            instance=urn(), rate=f"{rate[0]}/{rate[1]}", language=language
        )
        + "</EssenceDescriptor>"
        for t in tracks
    )
    sequences = "".join(
        f'<cc:{t.kind} xmlns:cc="{core}"><Id>{urn()}</Id><TrackId>{t.track_id}</TrackId><ResourceList>'
        f'<Resource xsi:type="TrackFileResourceType"><Id>{urn()}</Id>'
        f"<EditRate>{t.edit_rate[0]} {t.edit_rate[1]}</EditRate><IntrinsicDuration>{t.intrinsic}"
        f"</IntrinsicDuration><EntryPoint>{t.entry}</EntryPoint><SourceDuration>"
        f"{t.duration if t.duration is not None else t.intrinsic - t.entry}</SourceDuration>"
        f"<SourceEncoding>{t.descriptor_id}</SourceEncoding><TrackFileId>{t.file_id}</TrackFileId>"
        f"</Resource></ResourceList></cc:{t.kind}>"
        for t in tracks
    )
    application = (
        (
            f'<ExtensionProperties><cc:ApplicationIdentification xmlns:cc="{CC}">{app}'
            "</cc:ApplicationIdentification></ExtensionProperties>"
        )
        if app
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<CompositionPlaylist xmlns="{CPL}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<Id>{cpl_id}</Id><IssueDate>2026-01-01T00:00:00Z</IssueDate><ContentTitle>Test</ContentTitle>"
        f"<EssenceDescriptorList>{descriptors}</EssenceDescriptorList>"
        f"<EditRate>{rate[0]} {rate[1]}</EditRate>"
        f"<LocaleList><Locale><LanguageList><Language>{language}</Language></LanguageList></Locale>"
        f"</LocaleList>{application}"
        f"<SegmentList><Segment><Id>{urn()}</Id><SequenceList>{sequences}</SequenceList></Segment>"
        "</SegmentList></CompositionPlaylist>"
    )


OPL = "http://www.smpte-ra.org/schemas/2067-100/2014"


def opl_xml(opl_id: str, cpl_id: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<OutputProfileList xmlns="{OPL}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<Id>{opl_id}</Id><IssueDate>2026-01-01T00:00:00Z</IssueDate>"
        f"<CompositionPlaylistId>{cpl_id}</CompositionPlaylistId><MacroList>"
        '<Macro xsi:type="PresetMacroType"><Name>preset</Name><Preset>playback_cpl</Preset></Macro>'
        "</MacroList></OutputProfileList>"
    )


def write_package(
    dest: Path, tracks: list[Track], rate: tuple[int, int] = (24, 1), *, with_opl: bool = False, **cpl: str
) -> dict[str, str]:
    """Write ASSETMAP.xml, a PKL and a CPL for ``tracks`` into ``dest`` (essence copied in)."""
    dest.mkdir(parents=True, exist_ok=True)
    cpl_id, pkl_id = urn(), urn()
    files: list[tuple[str, str, str]] = []  # (id, name, type)
    for track in tracks:
        name = f"{track.kind}_{track.file_id[9:]}.mxf"
        (dest / name).write_bytes(track.essence.read_bytes())
        files.append((track.file_id, name, "application/mxf"))
    cpl_name = f"CPL_{cpl_id[9:]}.xml"
    (dest / cpl_name).write_text(cpl_xml(cpl_id, rate, tracks, **cpl))
    files.append((cpl_id, cpl_name, "text/xml"))
    if with_opl:
        opl_id = urn()
        (dest / f"OPL_{opl_id[9:]}.xml").write_text(opl_xml(opl_id, cpl_id))
        files.append((opl_id, f"OPL_{opl_id[9:]}.xml", "text/xml"))
    assets = "".join(
        f"<Asset><Id>{asset_id}</Id><Hash>{sha1_b64((dest / name).read_bytes())}</Hash>"
        f"<Size>{(dest / name).stat().st_size}</Size><Type>{kind}</Type>"
        f'<OriginalFileName>{name}</OriginalFileName><HashAlgorithm Algorithm="{SHA1}"/></Asset>'
        for asset_id, name, kind in files
    )
    pkl_name = f"PKL_{pkl_id[9:]}.xml"
    (dest / pkl_name).write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<PackingList xmlns="{PKL}"><Id>{pkl_id}</Id>'
        "<IssueDate>2026-01-01T00:00:00Z</IssueDate><Issuer>tests</Issuer><Creator>tests</Creator>"
        f"<AssetList>{assets}</AssetList></PackingList>"
    )
    mapped = [*files, (pkl_id, pkl_name, "pkl")]
    entries = "".join(
        f"<Asset><Id>{asset_id}</Id>{'<PackingList>true</PackingList>' if kind == 'pkl' else ''}"
        f"<ChunkList><Chunk><Path>{name}</Path><VolumeIndex>1</VolumeIndex><Offset>0</Offset>"
        f"<Length>{(dest / name).stat().st_size}</Length></Chunk></ChunkList></Asset>"
        for asset_id, name, kind in mapped
    )
    (dest / "ASSETMAP.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<AssetMap xmlns="{AM}"><Id>{urn()}</Id>'
        "<Creator>tests</Creator><VolumeCount>1</VolumeCount><IssueDate>2026-01-01T00:00:00Z</IssueDate>"
        f"<Issuer>tests</Issuer><AssetList>{entries}</AssetList></AssetMap>"
    )
    return {"cpl": cpl_name, "pkl": pkl_name, "cpl_id": cpl_id, "pkl_id": pkl_id}
