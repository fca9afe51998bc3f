"""The web app's URLs. Their names are a contract: other parts of Proofloop (the digest, the
API docs, later pages) link to them."""

from django.urls import path

from validation.views import dashboard, digest, evidence, hypotheses, imports

EVIDENCE_URLS = (("interviews", "interview", "interview"),
                 ("sales-calls", "sales-call", "sales_call"),
                 ("experiments", "experiment", "experiment"))

urlpatterns = [
    path("o/<slug:slug>/", dashboard.dashboard, name="dashboard"),
    path("o/<slug:slug>/hypotheses/", hypotheses.hypothesis_list, name="hypothesis-list"),
    path("o/<slug:slug>/hypotheses/export.csv", hypotheses.hypothesis_export,
         name="hypothesis-export"),
    path("o/<slug:slug>/hypotheses/new/", hypotheses.hypothesis_create, name="hypothesis-create"),
    path("o/<slug:slug>/hypotheses/<int:pk>/", hypotheses.hypothesis_detail,
         name="hypothesis-detail"),
    path("o/<slug:slug>/hypotheses/<int:pk>/edit/", hypotheses.hypothesis_edit,
         name="hypothesis-edit"),
    path("o/<slug:slug>/hypotheses/<int:pk>/decide/", hypotheses.hypothesis_decide,
         name="hypothesis-decide"),
    path("o/<slug:slug>/hypotheses/<int:pk>/reopen/", hypotheses.hypothesis_reopen,
         name="hypothesis-reopen"),
    path("o/<slug:slug>/hypotheses/<int:pk>/delete/", hypotheses.hypothesis_delete,
         name="hypothesis-delete"),
    path("o/<slug:slug>/settings/digest/", digest.digest_preview, name="digest-preview"),
    path("o/<slug:slug>/settings/import/", imports.import_new, name="import-new"),
    path("o/<slug:slug>/settings/import/<int:pk>/", imports.import_detail, name="import-detail"),
    path("o/<slug:slug>/settings/import/template/<str:kind>.csv", imports.import_template,
         name="import-template"),
    path("digest/unsubscribe/<str:token>/", digest.unsubscribe, name="digest-unsubscribe"),
]

for segment, name, source in EVIDENCE_URLS:
    kwargs = {"source": source}
    urlpatterns += [
        path(f"o/<slug:slug>/{segment}/", evidence.evidence_list, kwargs, name=f"{name}-list"),
        path(f"o/<slug:slug>/{segment}/export.csv", evidence.evidence_export, kwargs,
             name=f"{name}-export"),
        path(f"o/<slug:slug>/{segment}/new/", evidence.evidence_create, kwargs,
             name=f"{name}-create"),
        path(f"o/<slug:slug>/{segment}/<int:pk>/", evidence.evidence_detail, kwargs,
             name=f"{name}-detail"),
        path(f"o/<slug:slug>/{segment}/<int:pk>/edit/", evidence.evidence_edit, kwargs,
             name=f"{name}-edit"),
        path(f"o/<slug:slug>/{segment}/<int:pk>/delete/", evidence.evidence_delete, kwargs,
             name=f"{name}-delete"),
    ]
