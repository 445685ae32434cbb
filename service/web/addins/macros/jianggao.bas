Attribute VB_Name = "Jianggao"
' 讲稿 macro for Word (for offices that allow no add-ins): asks for the meeting, the speaker and
' the type, takes the selected text (if any) as the brief's 其他要求, has the 讲稿 service draft
' the speech, and inserts it at the cursor: title centred, headings and body in the document's
' styles 讲稿标题 / 一级标题 / 二级标题 / 讲稿正文 when it has them.
' Import: Word → Alt+F11 → 文件 → 导入文件 → jianggao.bas; set SERVICE_URL (and API_KEY) below;
' run JianggaoDraft from 开发工具 → 宏, or give it a button on the Quick Access Toolbar.
Option Explicit

Private Const SERVICE_URL As String = "http://127.0.0.1:8000"  ' 本单位讲稿服务的地址
Private Const API_KEY As String = ""                           ' 服务要求密钥时填写

Public Sub JianggaoDraft()
    Dim meeting As String, speaker As String, speechType As String, notes As String
    Dim answer As String, draftId As String, speech As String

    notes = Trim$(Selection.Text)
    If Len(notes) <= 1 Then notes = ""
    meeting = Trim$(InputBox("会议名称（如：全县安全生产工作会议）", "讲稿"))
    If meeting = "" Then Exit Sub
    speaker = Trim$(InputBox("讲话人职务（如：县委书记）", "讲稿"))
    If speaker = "" Then Exit Sub
    speechType = Trim$(InputBox("讲话类型（工作会议讲话、推进会讲话、动员讲话、总结讲话、督导组讲话、主持词、表态发言、致辞）", "讲稿", "工作会议讲话"))
    If speechType = "" Then Exit Sub

    answer = Request("POST", "/v1/drafts", BriefJson(meeting, speaker, speechType, notes))
    If answer = "" Then Exit Sub
    draftId = JsonString(answer, "id")
    speech = Request("GET", "/v1/drafts/" & draftId & "/export?format=txt", "")
    If speech = "" Then Exit Sub
    If Len(notes) > 0 Then Selection.Collapse 0  ' wdCollapseEnd: keep the selected text
    InsertSpeech speech
End Sub

' One call to the service; the answer's text, or "" after telling the writer what went wrong.
Private Function Request(ByVal method As String, ByVal path As String, ByVal body As String) As String
    Dim http As Object
    Set http = CreateObject("MSXML2.ServerXMLHTTP.6.0")
    On Error GoTo Unreachable
    http.Open method, SERVICE_URL & path, False
    http.setTimeouts 5000, 5000, 600000, 600000
    http.setRequestHeader "Content-Type", "application/json"
    http.setRequestHeader "Accept", "application/json"
    If API_KEY <> "" Then http.setRequestHeader "Authorization", "Bearer " & API_KEY
    http.send body
    On Error GoTo 0
    If http.Status >= 200 And http.Status < 300 Then
        Request = http.responseText
    ElseIf http.Status = 401 Then
        MsgBox "讲稿服务要求 API 密钥：请在宏的 API_KEY 处填写正确的密钥。", vbExclamation, "讲稿"
    Else
        MsgBox JsonString(http.responseText, "title") & "：" & JsonString(http.responseText, "detail"), vbExclamation, "讲稿"
    End If
    Exit Function
Unreachable:
    MsgBox "连不上讲稿服务（" & SERVICE_URL & "）。请确认服务已经启动、地址正确，再试一次。", vbExclamation, "讲稿"
End Function

' The brief as JSON; the service takes the type's Chinese name as it is.
Private Function BriefJson(ByVal meeting As String, ByVal speaker As String, ByVal speechType As String, ByVal notes As String) As String
    Dim json As String
    json = "{""speech_type"":" & JsonText(speechType) & ",""meeting"":" & JsonText(meeting) & ",""speaker"":" & JsonText(speaker)
    If notes <> "" Then json = json & ",""notes"":" & JsonText(notes)
    BriefJson = json & "}"
End Function

Private Function JsonText(ByVal value As String) As String
    value = Replace(value, "\", "\\")
    value = Replace(value, """", "\""")
    value = Replace(value, vbCrLf, "\n")
    value = Replace(value, vbCr, "\n")
    value = Replace(value, vbLf, "\n")
    value = Replace(value, vbTab, " ")
    JsonText = """" & value & """"
End Function

' The string value of a top-level key of the service's compact JSON ("key":"value").
Private Function JsonString(ByVal json As String, ByVal key As String) As String
    Dim start As Long, i As Long, ch As String, value As String
    start = InStr(1, json, """" & key & """:""")
    If start = 0 Then Exit Function
    i = start + Len(key) + 4
    Do While i <= Len(json)
        ch = Mid$(json, i, 1)
        If ch = "\" Then
            i = i + 1
            ch = Mid$(json, i, 1)
            If ch = "n" Then ch = vbLf
        ElseIf ch = """" Then
            Exit Do
        End If
        value = value & ch
        i = i + 1
    Loop
    JsonString = value
End Function

' The text export, a paragraph a line: the first line is the title, 一、 and （一） lines are
' headings; each takes the document's style of that name when it has one (and then loses the
' two full-width spaces the text export indents it with, which the style's indent replaces).
Private Sub InsertSpeech(ByVal speech As String)
    Dim lines() As String, line As String, styleName As String, n As Long
    lines = Split(Replace(speech, vbCr, ""), vbLf)
    For n = LBound(lines) To UBound(lines)
        line = lines(n)
        If Trim$(line) <> "" Then
            If n = LBound(lines) Then
                styleName = "讲稿标题"
            ElseIf Trim$(line) Like "[一二三四五六七八九十]*、*" And Len(Trim$(line)) <= 40 Then
                styleName = "一级标题"
            ElseIf Left$(Trim$(line), 1) = "（" And Len(Trim$(line)) <= 40 Then
                styleName = "二级标题"
            Else
                styleName = "讲稿正文"
            End If
            If UseStyle(styleName) Then line = Trim$(Replace(line, ChrW(&H3000), " "))
            If n = LBound(lines) Then Selection.ParagraphFormat.Alignment = 1  ' wdAlignParagraphCenter
            Selection.TypeText line
            Selection.TypeParagraph
        End If
    Next n
End Sub

' Whether the document has a style of that name (and the selection now takes it); without it
' the paragraph goes back to the document's body style (wdStyleNormal), not the last one used.
Private Function UseStyle(ByVal name As String) As Boolean
    On Error GoTo Missing
    Selection.Style = ActiveDocument.Styles(name)
    UseStyle = True
    Exit Function
Missing:
    UseStyle = False
    On Error Resume Next
    Selection.Style = ActiveDocument.Styles(-1)  ' wdStyleNormal, whatever its local name
End Function
