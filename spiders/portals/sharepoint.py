"""What SharePoint publishing portals share (Bắc Kạn, Tuyên Quang)."""

# Web-part titles leak into the text of SharePoint pages: `PublishingPortal - Block_BanTin_Toolbar`.
NOISE_LINES = (("sharepoint_webpart_title", r"PublishingPortal\s*-\s*\S+"),)
