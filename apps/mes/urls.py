"""MES browser URLs."""

from django.urls import path

from apps.mes import resources, resources_quality, resources_signals, views, views_board, views_quality

app_name = "mes"

urlpatterns = [
    # ---- production
    *resources.WorkCenterResource.urls("work-centers/"),
    *resources.RoutingResource.urls("routings/"),
    *resources.ManufacturingDefinitionResource.urls("definitions/"),
    *resources.WorkOrderResource.urls("work-orders/"),
    *resources.OperationResource.urls("operations/"),
    path("operations/<int:pk>/record-time/", views.OperationRecordTimeView.as_view(), name="operation_record_time"),
    path("work-orders/<int:pk>/traveler.pdf", views.work_order_traveler, name="workorder_traveler"),
    path("work-orders/<int:pk>/complete-with-lots/", views.work_order_complete_view, name="workorder_complete"),
    path("operator/", views.operator_home, name="operator_home"),
    path("operator/<int:pk>/", views.operator_screen, name="operator_screen"),
    path("operator/<int:pk>/scan/", views.operator_scan, name="operator_scan"),
    path("operator/operations/<int:pk>/check/", views.operator_check_record, name="operator_check"),
    path("operator/work-orders/<int:pk>/close-short/", views.operator_close_short, name="operator_close_short"),
    path("operator/operations/<int:pk>/<str:verb>/", views.operator_operation_action, name="operator_action"),
    path("genealogy/", views.genealogy, name="genealogy"),
    # ---- the live shop floor
    path("board/", views_board.board, name="board"),
    *resources_signals.MachineSignalResource.urls("machine-signals/"),
    path("board/tiles/", views_board.board_tiles, name="board_tiles"),
    path("work-centers/<int:pk>/live/", views_board.work_center_live, name="work_center_live"),
    # ---- quality
    *resources_quality.InspectionPlanResource.urls("inspection-plans/"),
    *resources_quality.QualityCheckResource.urls("quality-checks/"),
    *resources_quality.NonConformanceResource.urls("nonconformances/"),
    *resources_quality.DowntimeReasonResource.urls("downtime-reasons/"),
    *resources_quality.DowntimeEventResource.urls("downtime/"),
    path("incoming-inspection/", views_quality.incoming_inspection, name="quality_incoming"),
    path("incoming-inspection/<int:pk>/release/", views_quality.incoming_release, name="quality_incoming_release"),
    path("incoming-inspection/<int:pk>/reject/", views_quality.incoming_reject, name="quality_incoming_reject"),
    path("oee/", views_quality.oee_overview, name="oee_overview"),
    path("work-centers/<int:pk>/oee/", views_quality.oee_dashboard, name="oee_dashboard"),
]
