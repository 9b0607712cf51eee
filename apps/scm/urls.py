"""SCM browser URLs."""

app_name = "scm"

urlpatterns = []
