"""PLM browser URLs."""

app_name = "plm"

urlpatterns = []
