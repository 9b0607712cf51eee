"""CRM's sidebar entries (core registers CRM / Customers, the parties that are customers)."""

from apps.core.navigation import register

register("CRM", "Customer profiles", "crm:customerprofile_list", "crm.view_customerprofile")
register("CRM", "Leads", "crm:lead_list", "crm.view_lead")
register("CRM", "Pipeline", "crm:board", "crm.view_opportunity")
register("CRM", "Opportunities", "crm:opportunity_list", "crm.view_opportunity")
register("CRM", "Quotes", "crm:quote_list", "crm.view_quote")
register("CRM", "My activities", "crm:my_activities", "crm.view_activity")
register("CRM", "Activities", "crm:activity_list", "crm.view_activity")
register("CRM", "Service cases", "crm:servicecase_list", "crm.view_servicecase")
register("CRM", "Forecast", "crm:forecast", "crm.view_opportunity")
register("CRM", "Sales targets", "crm:salestarget_list", "crm.view_salestarget")
register("CRM", "Price lists", "crm:pricelist_list", "crm.view_pricelist")
register("CRM", "Segments", "crm:segment_list", "crm.view_segment")
register("CRM", "Pipeline stages", "crm:pipelinestage_list", "crm.view_pipelinestage")
register("CRM", "SLA policies", "crm:slapolicy_list", "crm.view_slapolicy")
register("CRM", "Sales settings", "crm:salessettings_list", "crm.view_salessettings")
