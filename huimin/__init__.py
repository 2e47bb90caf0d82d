"""huimin: audit benefit payments (惠民惠农政策落实大数据监督检查) with data."""

import os

__version__ = "0.1.0"

# No telemetry leaves the district's machines (Great Expectations, Prefect's server).
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
