/**
 * The MDE permission model as data: application permissions (token `roles`), delegated permissions
 * (token `scp`) and the portal RBAC permission options a user's role grants. Values are Microsoft's
 * exact strings; ids are the WindowsDefenderATP app-role / scope ids.
 */
export const MDE_RESOURCE_APP_ID = 'fc780465-2017-40d4-a0c5-307022471b92'
export const MDE_RESOURCE_DISPLAY_NAME = 'WindowsDefenderATP'
export const MDE_RESOURCE_URIS = [
  'https://api.securitycenter.microsoft.com',
  'https://securitycenter.onmicrosoft.com/windowsatpservice',
] as const

export const APPLICATION_PERMISSIONS = {
  'AdvancedQuery.Read.All': '93489bf5-0fbc-4f2d-b901-33f2fe08ff05',
  'Alert.Read.All': '71fe6b80-7034-4028-9ed8-0f316df9c3ff',
  'Alert.ReadWrite.All': '0f7000ec-157b-497f-b70e-ef0b0584f140',
  'Event.Write': '84ddd701-5fac-4c30-b0ad-aa73a67bea1a',
  'File.Read.All': '8788f1a9-beca-4e26-ba58-10513f3b896f',
  'IntegrationConfiguration.ReadWrite': '7c6f6912-60e9-4fcd-bb2a-c25bc35e8c59',
  'Ip.Read.All': '47bf842d-354b-49ef-b741-3a6dd815bc13',
  'Library.Manage': '41d209c7-2511-4fc9-b899-8008a3976f09',
  'Machine.CollectForensics': '15405ab2-2103-4a3c-ad80-e829841cedcc',
  'Machine.Isolate': '7e4e1300-e1b9-4102-88ba-f0cb6e6d5974',
  'Machine.LiveResponse': '1629b959-c0af-42a1-92f0-f6162060bdf1',
  'Machine.Offboard': '594435bf-36dd-4548-83bd-1bdafe157d7a',
  'Machine.Read.All': 'ea8291d3-4b9a-44b5-bc3a-6cea3026dc79',
  'Machine.ReadWrite.All': 'aa027352-232b-4ed4-b963-a705fc4d6d2c',
  'Machine.RestrictExecution': '96b6b35d-074d-4e2d-b167-8d68d9269648',
  'Machine.Scan': 'a86d9824-b2b6-45f8-b042-16bc4922ed4e',
  'Machine.StopAndQuarantine': '96e72b5e-7e68-4171-aad1-3937599e4751',
  'RemediationTasks.Read.All': '6a33eedf-ba73-4e5a-821b-f057ef63853a',
  'Score.Read.All': '02b005dd-f804-43b4-8fc7-078460413f74',
  'SecurityBaselinesAssessment.Read.All': 'e870c0c1-c1a2-41ca-948e-a33912d2d3f0',
  'SecurityConfiguration.Read.All': '227f2ea0-c2c2-4428-b7af-9ff40f1a720e',
  'SecurityConfiguration.ReadWrite.All': 'e5e05709-32a3-4c85-89c8-67596eb94f24',
  'SecurityRecommendation.Read.All': '6443965c-7dd2-4cfd-b38f-bb7772bee163',
  'Software.Read.All': '37f71c98-d198-41ae-964d-2c49aab74926',
  'Ti.Read.All': '528ca142-c849-4a5b-935e-10b8b9c38a84',
  'Ti.ReadWrite': 'a8bc2240-f96a-46a1-bad5-6a960b7327a1',
  'Ti.ReadWrite.All': 'fc511a58-3adf-4d71-af24-00f13e35e479',
  'Url.Read.All': '721af526-ffa8-42d7-9b84-1a56244dd99d',
  'User.Read.All': 'a833834a-4cf1-4732-8acf-bbcfa13fb610',
  'Vulnerability.Read.All': '41269fc5-d04d-4bfd-bce7-43a51cea049a',
} as const
export type ApplicationPermission = keyof typeof APPLICATION_PERMISSIONS

export const DELEGATED_PERMISSIONS = {
  'AdvancedQuery.Read': '1fb6e712-1bd9-4184-b1c0-5e71e759196b',
  'Alert.Read': 'b2069dc0-9fe9-4e6d-9aca-ccf3dd503819',
  'Alert.ReadWrite': 'cbc3b413-21e6-416d-95a4-af87687efbd0',
  'File.Read.All': '8fce64a0-67c8-4e39-8f47-cac9ff7e13bb',
  'IntegrationConfiguration.ReadWrite': '7c6f6912-60e9-4fcd-bb2a-c25bc35e8c59',
  'Ip.Read.All': 'b65a97e8-c8e8-4908-b19a-f654615de1a9',
  'Library.Manage': '5998a3da-2c9b-4bf3-99bd-44c9fe337ad2',
  'Machine.CollectForensics': '5eb7b9dc-cbce-4c7e-9d73-5be248260ae6',
  'Machine.Isolate': '479231ef-3b86-4933-ae6b-1fa84bba9e31',
  'Machine.LiveResponse': '25fb0c21-5877-492a-8d0c-e7893a9585cc',
  'Machine.Offboard': '29d1c73a-07f6-495f-b62b-1554a954d0a3',
  'Machine.Read': 'fbd3d33a-b1f5-4573-906c-51b39682fbcf',
  'Machine.ReadWrite': 'f6846c57-9e3c-4a65-81aa-2f5e09ff4f0b',
  'Machine.RestrictExecution': 'abddfa88-80bb-4aef-81ff-18cbf29363a9',
  'Machine.Scan': 'b4618115-647e-42a5-bd0d-0ea9878fb376',
  'Machine.StopAndQuarantine': '69e036b7-3f10-4d4c-a85e-82295629eca8',
  'RemediationTasks.Read': '19956c04-168f-4f44-b471-48c8f50dc0c8',
  'Score.Read': 'df4ed126-3a4c-460a-b0fc-67aea84fc332',
  'SecurityBaselinesAssessment.Read': 'd42e2aa1-a664-43a9-b7c6-2766d44a6687',
  'SecurityConfiguration.Read': '4ac83e46-552f-4948-91c2-f7eaff971018',
  'SecurityConfiguration.ReadWrite': 'bfc81a3a-4f6d-4bfe-b945-d7fe6747d2a0',
  'SecurityRecommendation.Read': '1ab96238-1253-4059-a32f-4087f20ed65d',
  'Software.Read': '5f216ada-3f51-4a22-ace5-06b198328476',
  'Ti.ReadWrite': '650ff1f9-dd5f-48ee-8c58-7beef332c818',
  'Url.Read.All': '42b4777c-6196-49ad-9cfc-207e73f2eb61',
  'User.Read.All': 'ffd6563e-842b-4cfc-b349-06006e0473a3',
  'Vulnerability.Read': '63a677ce-818c-4409-9d12-5c6d2e2a6bfe',
} as const
export type DelegatedPermission = keyof typeof DELEGATED_PERMISSIONS

/** Portal RBAC permission options a role can grant (user context). */
export const RBAC_PERMISSIONS = [
  'ViewData.SecurityOperations',
  'ViewData.VulnerabilityManagement',
  'ActiveRemediation.SecurityOperations',
  'ActiveRemediation.TvmExceptionHandling',
  'ActiveRemediation.TvmRemediationHandling',
  'ActiveRemediation.TvmApplicationHandling',
  'SecurityBaselines.Manage',
  'AlertsInvestigation',
  'ManagePortalSystemSettings',
  'ManageSecuritySettings',
  'LiveResponse.Basic',
  'LiveResponse.Advanced',
] as const
export type RbacPermission = (typeof RBAC_PERMISSIONS)[number]
