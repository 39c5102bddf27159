"""Typed models of the four IMF documents: ASSETMAP, PKL, CPL and OPL.

The readers (:mod:`slate.imf.readers`) fill these from XML; the validator and the CPL editor work
on them only. Edit rates are :class:`fractions.Fraction` so that every timeline sum is exact.
Essence descriptors are kept as a small generic tree (:class:`Node`): they are RegXML, open-ended,
and the checks read a handful of their properties by name.
"""

from __future__ import annotations

from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AssetMap",
    "Chunk",
    "Composition",
    "EssenceDescriptor",
    "MapAsset",
    "Node",
    "OutputProfileList",
    "PackingList",
    "PklAsset",
    "Resource",
    "Segment",
    "Sequence",
]


class Node(BaseModel):
    """One element of an essence descriptor: its local name, namespace, text and children."""

    name: str
    ns: str = ""
    text: str = ""
    children: list[Node] = Field(default_factory=list)

    def find(self, name: str) -> Node | None:
        """The first direct child called ``name``."""
        return next((c for c in self.children if c.name == name), None)

    def value(self, name: str) -> str | None:
        """The stripped text of the first direct child called ``name``, or None."""
        child = self.find(name)
        return child.text if child is not None else None

    def walk(self) -> list[Node]:
        """This node and every descendant, depth first."""
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes


class Chunk(BaseModel):
    path: str
    volume_index: int | None = None
    offset: int | None = None
    length: int | None = None


class MapAsset(BaseModel):
    """An ASSETMAP entry: which UUID lives at which path."""

    id: str
    packing_list: bool = False
    chunks: list[Chunk] = Field(default_factory=list)

    @property
    def path(self) -> str | None:
        return self.chunks[0].path if self.chunks else None


class AssetMap(BaseModel):
    id: str
    namespace: str
    volume_count: int | None = None
    assets: list[MapAsset] = Field(default_factory=list)


class PklAsset(BaseModel):
    """A PKL entry: the size and SHA-1 (base64) the file's bytes must have."""

    id: str
    hash: str | None = None
    size: int | None = None
    type: str | None = None
    original_file_name: str | None = None
    hash_algorithm: str | None = None
    annotation: str | None = None


class PackingList(BaseModel):
    id: str
    namespace: str
    annotation: str | None = None
    group_id: str | None = None
    assets: list[PklAsset] = Field(default_factory=list)


class Resource(BaseModel):
    """A CPL resource; ``edit_rate`` None means the composition's, per ST 2067-3."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: str
    kind: str = "TrackFileResourceType"
    edit_rate: Fraction | None = None
    intrinsic_duration: int | None = None
    entry_point: int | None = None
    source_duration: int | None = None
    repeat_count: int = 1
    source_encoding: str | None = None
    track_file_id: str | None = None
    hash: str | None = None
    marker_offsets: list[int] = Field(default_factory=list)

    def duration(self) -> int:
        """Edit units this resource plays: (SourceDuration or Intrinsic−Entry) × RepeatCount."""
        entry = self.entry_point or 0
        played = self.source_duration
        if played is None:
            played = (self.intrinsic_duration or 0) - entry
        return played * self.repeat_count


class Sequence(BaseModel):
    kind: str
    ns: str = ""
    id: str
    track_id: str
    resources: list[Resource] = Field(default_factory=list)


class Segment(BaseModel):
    id: str
    sequences: list[Sequence] = Field(default_factory=list)


class EssenceDescriptor(BaseModel):
    id: str
    descriptor: Node | None = None


class Composition(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: str
    namespace: str
    title: str = ""
    edit_rate: Fraction | None = None
    applications: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    descriptors: list[EssenceDescriptor] = Field(default_factory=list)
    segments: list[Segment] = Field(default_factory=list)
    sadm_parameter_tracks: list[str] = Field(default_factory=list)

    def tracks(self) -> dict[str, list[Sequence]]:
        """Each virtual track (by TrackId) with its sequences in segment order."""
        tracks: dict[str, list[Sequence]] = {}
        for segment in self.segments:
            for sequence in segment.sequences:
                tracks.setdefault(sequence.track_id, []).append(sequence)
        return tracks


class OutputProfileList(BaseModel):
    id: str
    namespace: str
    composition_id: str | None = None
    macros: list[str] = Field(default_factory=list)
