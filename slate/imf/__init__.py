"""IMF packages (SMPTE ST 2067): read them safely, validate them as the studio will, edit them.

* :mod:`slate.imf.source` unpacks a ZIP without letting a member escape the package;
* :mod:`slate.imf.xmlsafe` parses XML with entities, DTDs and the network turned off;
* :mod:`slate.imf.readers` turns ASSETMAP, PKL, CPL and OPL documents into :mod:`slate.imf.models`;
* :mod:`slate.imf.package` gathers a package's parts, hashing each file once as it is read;
* :mod:`slate.imf.validate` reports findings on two axes, structure and integrity.
"""

from slate.imf.findings import Axis, Finding, Level, blocking
from slate.imf.validate import Report, validate_package, validate_path

__all__ = ["Axis", "Finding", "Level", "Report", "blocking", "validate_package", "validate_path"]
