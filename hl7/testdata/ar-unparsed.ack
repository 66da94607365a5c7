MSH|^~\&|||||20260720231548+0100||ACK^^ACK|202607202215483b8097|P|2.4
MSA|AR|
ERR||MSH^1|100^Segment sequence error^HL70357|E||||message does not start with MSH
