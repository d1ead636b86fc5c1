"""Pictures for the labs: pipeline/execution graphs (DOT, SVG) and deployment traffic charts."""

from simulator.pictures._dot import STATUS_COLOURS, execution_dot, pipeline_dot
from simulator.pictures._render import RenderError, dot_available, fallback_svg, render_svg
from simulator.pictures._traffic import traffic_svg

__all__ = [
    "STATUS_COLOURS",
    "RenderError",
    "dot_available",
    "execution_dot",
    "fallback_svg",
    "pipeline_dot",
    "render_svg",
    "traffic_svg",
]
