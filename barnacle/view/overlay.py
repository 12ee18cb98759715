"""A correction to how Mirador 4.0.0 draws annotation boxes, loaded by the viewer page after
the Mirador bundle.

Mirador's canvas overlay (`OpenSeadragonCanvasOverlay.canvasUpdate`) scales the boxes by the
zoom of the first image in that image's own pixels, while the boxes are in canvas coordinates.
When a page image is not the canvas's size (its info.json says 1000 x 1500 for a canvas of
2000 x 3000, a cached image smaller than the canvas), every box is drawn scaled by image size
/ canvas size: half as far down and half as wide in that example, off its line. The
replacement maps canvas (OpenSeadragon world) coordinates to the overlay's pixels through the
viewport, as OpenSeadragon places the images, keeping Mirador's flip and rotation.
"""

from __future__ import annotations

OVERLAY_PATCH = """(function () {
  var overlay = Mirador.OpenSeadragonCanvasOverlay;
  if (!overlay || !overlay.prototype.canvasUpdate) return;
  overlay.prototype.canvasUpdate = function (update) {
    var context = this.context2d;
    if (!context || !this.viewer.world.getItemAt(0)) return;
    var viewport = this.viewer.viewport;
    var center = viewport.getCenter(true);
    var zero = center.minus(center);  // OpenSeadragon Points (its class is not global)
    var across = center.minus(center);
    across.x = 1;
    var origin = viewport.pixelFromPointNoRotate(zero, true);
    var unit = viewport.deltaPixelsFromPointsNoRotate(across, true).x;
    if (this.clearBeforeRedraw) this.clear();
    context.setTransform(unit, 0, 0, unit, origin.x, origin.y);
    if (viewport.getFlip()) {
      context.translate(center.x * 2, 0);
      context.scale(-1, 1);
    }
    var rotation = viewport.getRotation();
    if (rotation !== 0) {
      context.translate(center.x, center.y);
      context.rotate(rotation * Math.PI / 180);
      context.translate(-center.x, -center.y);
    }
    update();
    context.setTransform(1, 0, 0, 1, 0, 0);
  };
})();
"""
