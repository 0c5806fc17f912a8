"""Editor review pages (owned by the review work). Every URL here is editor-only;
conflict/tests/views/test_permissions.py walks this list, so a new URL cannot be forgotten."""

from django.urls import path

from conflict.views import review

app_name = "review"
urlpatterns = [
    path("", review.queue, name="queue"),
    path("bulk/", review.bulk, name="bulk"),
    path("events/<int:event_id>/", review.event_detail, name="event"),
    path("events/<int:event_id>/accept/", review.event_accept, name="accept"),
    path("events/<int:event_id>/reject/", review.event_reject, name="reject"),
    path("events/<int:event_id>/correct/", review.event_correct, name="correct"),
    path("events/<int:event_id>/merge/", review.event_merge, name="merge"),
    path("claims/<int:claim_id>/split/", review.claim_split, name="split"),
    path("changes/<int:record_id>/undo/", review.change_undo, name="undo"),
    path("reports/<int:report_id>/duplicate/", review.report_duplicate, name="duplicate"),
    path("proposals/", review.proposals, name="proposals"),
    path("proposals/<int:proposal_id>/create-place/", review.proposal_place_create, name="proposal_create_place"),
    path("proposals/<int:proposal_id>/fold-place/", review.proposal_place_fold, name="proposal_fold_place"),
    path("proposals/<int:proposal_id>/actor-alias/", review.proposal_actor_alias, name="proposal_actor_alias"),
    path("proposals/<int:proposal_id>/dismiss/", review.proposal_dismiss, name="proposal_dismiss"),
    path("lookup/places", review.lookup_places, name="lookup_places"),
    path("lookup/actors", review.lookup_actors, name="lookup_actors"),
]
