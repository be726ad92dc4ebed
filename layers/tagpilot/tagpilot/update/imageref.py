"""The image reference a ready ImagePolicy publishes (``status.latestRef``)."""

from __future__ import annotations

from dataclasses import dataclass

from tagpilot.update.errors import InvalidImageRefError


@dataclass(frozen=True, slots=True)
class ImageRef:
    """``status.latestRef`` of an ImagePolicy.

    ``name`` is the ImageRepository's ``spec.image`` verbatim, ``digest`` may be empty.
    ``str(ref)`` is Flux's ``ImageRef.String()``: ``name:tag`` plus ``@digest`` when set.
    """

    name: str
    tag: str
    digest: str = ""

    def __str__(self) -> str:
        ref = f"{self.name}:{self.tag}"
        return f"{ref}@{self.digest}" if self.digest else ref


def parse_image_ref(text: str) -> ImageRef:
    """Split ``name:tag[@digest]`` into an :class:`ImageRef`.

    The tag follows the last ``:`` after the last ``/``, so a registry port
    (``localhost:5000/app:1.2``) stays in the name.

    Parameters
    ----------
    text : str
        The reference, e.g. ``ghcr.io/org/app:1.2.3@sha256:abc``.

    Returns
    -------
    ImageRef

    Raises
    ------
    InvalidImageRefError
        When the name or the tag is missing or the digest is empty.

    Examples
    --------
    >>> parse_image_ref("localhost:5000/app:1.2")
    ImageRef(name='localhost:5000/app', tag='1.2', digest='')
    """
    ref, at, digest = text.partition("@")
    if at and not digest:
        raise InvalidImageRefError(f"image reference {text!r}: empty digest after '@'")
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon <= slash:
        raise InvalidImageRefError(f"image reference {text!r}: no ':tag' after the image name")
    name, tag = ref[:colon], ref[colon + 1 :]
    if not name or not tag:
        raise InvalidImageRefError(f"image reference {text!r}: empty image name or tag")
    return ImageRef(name=name, tag=tag, digest=digest)
