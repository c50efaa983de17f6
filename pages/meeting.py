"""Meeting mode (large screen): headline numbers against target, the league, the map, the trend, the topics."""

from dashboard.ui import frame, meeting

ctx = frame.context("pages/meeting.py")
meeting.show(ctx)
